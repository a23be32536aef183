"""Timer firing on SQLite: many active incidents in one process, reminders spread over time.

Issue target: 10,000 active incidents in one process on SQLite, each with a status reminder
spread over the interval: firing lateness p99 < 1 s, RSS < 150 MB.

Time is scaled: the status interval is `--interval` seconds (default 60, not 30 min), so the
offered load is incidents / interval fires per second (167/s by default; the real 30-minute
interval offers 5.6/s). The reminders' due times are spread uniformly over one interval that
starts `--lead` seconds after seeding begins. A child process seeds the SQLite file through the
stores' `SqlUnitOfWork` (on the stdlib driver, in a few big transactions), so the measured
process holds only what `sevbot run` would. The real scheduler and outbox dispatcher then run,
with a chat that only counts, until every first reminder has fired. Lateness = when it fired
(the TimerFired event's `at`) minus its due time; "committed" is when the event was published,
after commit; "chat" is when the dispatcher handed it to the chat. The incidents are SEV-2 with
one timeline entry and no on-call, so no other timer should come due; the report checks.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import multiprocessing
import os
import resource
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.stores.codec import load_time
from adapters.stores.dialect import SQLITE
from adapters.stores.sql import SqlUnitOfWork
from adapters.stores.sqlite import SqliteStore
from bot.bootstrap import build_app
from bot.clock import SystemClock
from bot.config import Settings
from incidents.commands import OpenIncident
from incidents.events import Event, TimerFired
from incidents.handlers import open_incident
from incidents.ports import OutboxItem
from incidents.severity import Severity
from incidents.timers import TimerKind, pending_timers

REMINDER = TimerKind.STATUS_REMINDER.value


class DirectConnection:
    """The stdlib sqlite3 driver behind the stores' `Connection` protocol (seeding only)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        return self._db.execute(sql, args).fetchall()

    async def execute(self, sql: str, *args: Any) -> None:
        self._db.execute(sql, args)


async def seed(path: Path, count: int, interval: float, first_due: datetime, batch: int) -> None:
    """Open `count` SEV-2 incidents whose first status reminders are spread over `interval`."""
    settings = Settings(
        database_url=f"sqlite:///{path}", status_interval=timedelta(seconds=interval)
    )
    policy = settings.domain_policy()
    await (await SqliteStore.open(settings.database_url)).close()  # creates the schema
    db = sqlite3.connect(path, isolation_level=None)
    try:
        for start in range(0, count, batch):
            db.execute("BEGIN IMMEDIATE")
            uow = SqlUnitOfWork(DirectConnection(db), SQLITE)
            for index in range(start, min(start + batch, count)):
                due = first_due + timedelta(seconds=interval * index / count)
                number = await uow.allocate_number()
                decision = open_incident(
                    OpenIncident(severity=Severity.SEV2, title=f"Bench incident {number}"),
                    number=number,
                    actor="bench:seeder",
                    now=due - timedelta(seconds=interval),
                    policy=policy,
                )
                await uow.save(decision.incident)
                await uow.replace_timers(number, pending_timers(decision.incident, policy))
            db.execute("COMMIT")
    finally:
        db.close()


def seed_in_child(path: Path, count: int, interval: float, first_due: datetime, batch: int) -> None:
    """Process entry point: seed, then exit (its memory is not the measured process's)."""
    asyncio.run(seed(path, count, interval, first_due, batch))


class Recorder:
    """The chat (delivers nothing) and an event handler: lateness of each first reminder."""

    platform = "console"

    def __init__(self, due: dict[int, datetime]) -> None:
        self.due = due
        self.fired: dict[int, float] = {}
        self.committed: dict[int, float] = {}
        self.chat: dict[int, float] = {}
        self.others: list[str] = []
        self.repeats = 0
        self.delivered = 0
        self.all_fired = asyncio.Event()

    def __call__(self, event: Event) -> None:
        """Event handler: a TimerFired after its transaction committed."""
        if not isinstance(event, TimerFired):
            return
        if event.key != REMINDER:
            self.others.append(event.key)
        elif event.number in self.fired:
            self.repeats += 1
        else:
            self.fired[event.number] = (event.at - self.due[event.number]).total_seconds()
            late = datetime.now(UTC) - self.due[event.number]
            self.committed[event.number] = late.total_seconds()
            if len(self.fired) == len(self.due):
                self.all_fired.set()

    async def deliver(self, item: OutboxItem) -> None:
        """Chat port: count; for a first status reminder, note how late it got here."""
        self.delivered += 1
        number = item.message.incident
        if item.message.kind == "status_reminder" and number is not None:
            late = datetime.now(UTC) - self.due[number]
            self.chat.setdefault(number, late.total_seconds())


def spread(label: str, seconds: list[float]) -> str:
    """One report line: nearest-rank p50/p95/p99 and max of `seconds`, in milliseconds."""
    if not seconds:
        return f"{label:<29}(none)"
    ordered = sorted(seconds)
    ranks = [ordered[max(0, round(q * len(ordered)) - 1)] * 1000 for q in (0.5, 0.95, 0.99)]
    cells = "  ".join(f"p{q} {ms:8.1f}" for q, ms in zip((50, 95, 99), ranks, strict=True))
    return f"{label:<29}{cells}  max {ordered[-1] * 1000:8.1f} ms"


def rss_mb() -> float:
    """This process's resident set size now, in MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds() -> float:
    """User plus system CPU time of this process (all threads) so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(args: argparse.Namespace, path: Path) -> None:
    """Seed, run scheduler and dispatcher until every first reminder fired, then report."""
    lead = args.lead or 10 + 0.003 * args.incidents
    first_due = datetime.now(UTC) + timedelta(seconds=lead)
    started = time.perf_counter()
    child = multiprocessing.get_context("spawn").Process(
        target=seed_in_child, args=(path, args.incidents, args.interval, first_due, args.batch)
    )
    child.start()
    await asyncio.to_thread(child.join)
    if child.exitcode != 0:
        raise SystemExit(f"seeding failed (exit code {child.exitcode})")
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT incident, due_at FROM timers WHERE key = ?", (REMINDER,))
        due = {int(number): load_time(text) or first_due for number, text in rows}
    slack = (first_due - datetime.now(UTC)).total_seconds()
    print(
        f"seeding                      {len(due):,} incidents in "
        f"{time.perf_counter() - started:.1f} s (child process, {args.batch:,} per "
        f"transaction); first reminder due {slack:.1f} s after"
    )
    if slack < 1:
        print(f"WARNING: seeding overran --lead {lead:.0f}; lateness includes the overrun")

    recorder = Recorder(due)
    settings = Settings(
        database_url=f"sqlite:///{path}", status_interval=timedelta(seconds=args.interval)
    )
    app = await build_app(
        settings, chats=[recorder], clock=SystemClock(), event_handlers=[recorder]
    )
    rss_before, cpu_start, wall_start = rss_mb(), cpu_seconds(), time.perf_counter()
    idle = max(0.0, (first_due - datetime.now(UTC)).total_seconds())
    loops = [asyncio.create_task(app.scheduler.run()), asyncio.create_task(app.dispatcher.run())]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(recorder.all_fired.wait(), idle + args.interval + args.timeout)
    cpu_used, wall_used = cpu_seconds() - cpu_start, time.perf_counter() - wall_start
    for _ in range(100):  # up to 5 s for the dispatcher to hand over the last reminders
        if len(recorder.chat) >= len(recorder.fired):
            break
        await asyncio.sleep(0.05)
    app.scheduler.stop()
    app.dispatcher.stop()
    _, busy = await asyncio.wait(loops, timeout=5)  # as `sevbot run` drains on SIGTERM
    for task in busy:
        task.cancel()
    await asyncio.gather(*busy, return_exceptions=True)
    counts = await app.store.outbox_counts()
    await app.close()

    window = max(wall_used - idle, 1e-9)
    on_time = sum(late < 1 for late in recorder.fired.values())
    others = f" {sorted(set(recorder.others))}" if recorder.others else ""
    print(
        f"reminders fired              {len(recorder.fired):,} of {len(due):,}, "
        f"{on_time / max(len(due), 1):.1%} under 1 s late; other timers fired: "
        f"{len(recorder.others)}{others}; second reminders fired meanwhile: {recorder.repeats:,}"
    )
    print(spread("lateness (fired, event at)", list(recorder.fired.values())))
    print(spread("lateness (committed)", list(recorder.committed.values())))
    print(spread("lateness (handed to chat)", list(recorder.chat.values())))
    print(
        f"fires per second             {len(recorder.fired) / window:,.1f} over {window:.1f} s "
        f"from the first due time (offered {len(due) / args.interval:,.1f}/s)"
    )
    print(f"outbox                       chat got {recorder.delivered:,}; store {counts}")
    if busy:
        print(f"stop                         {len(busy)} loop(s) still busy 5 s after stop()")
    print(
        f"RSS                          peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MB "
        f"(before the run {rss_before:.1f} MB, at the end {rss_mb():.1f} MB)"
    )
    print(
        f"CPU                          {cpu_used:.1f} s user+sys over {wall_used:.1f} s wall "
        f"= {100 * cpu_used / wall_used:.0f} % of one core (load average now "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    print("targets                      p99 lateness < 1000 ms, RSS < 150 MB")


def main() -> None:
    """Parse options, seed a temporary SQLite file and measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000, help="active incidents")
    parser.add_argument("--interval", type=float, default=60.0, help="status interval, seconds")
    parser.add_argument(
        "--lead", type=float, default=0, help="s to the first due time (0: 10 + 3 ms/incident)"
    )
    parser.add_argument("--batch", type=int, default=2_000, help="incidents per seed transaction")
    parser.add_argument("--timeout", type=float, default=120.0, help="extra s to wait for fires")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    print(f"timers_sqlite: {args.incidents:,} incidents, status interval {args.interval:g} s")
    with tempfile.TemporaryDirectory(prefix="sevbot-bench-") as tmp:
        asyncio.run(measure(args, Path(tmp) / "bench.db"))


if __name__ == "__main__":
    main()
