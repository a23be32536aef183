"""Reviews, report, metrics scrape and the action-item query on SQLite, with many incidents.

Seeds `--incidents` closed SEV-1..3 incidents (default 2,000) straight through the store's unit
of work, each with a realistic timeline (acknowledgement, roles, status updates, phases, a
note, resolution) and three action items, one in three left open; plus one long incident of
`--entries` timeline entries for the review. Then prints how long each read takes:
rendering that long review, `sevbot report` over every incident, one `/metrics` scrape (the
gauges' count queries), and the open-action-item query behind the weekly nag and the handoff.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.stores.sqlite import SqliteStore
from bot.metrics import Metrics
from bot.report import build_report
from bot.review.actions import open_action_items
from bot.review.markdown import render_review
from incidents import commands as c
from incidents.handlers import execute, open_incident
from incidents.model import Incident, Role
from incidents.phase import Phase
from incidents.policy import Policy
from incidents.review import review_facts
from incidents.severity import Severity

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
POLICY = Policy()


def act(incident: Incident, command: c.Command, at: datetime, actor: str) -> Incident:
    """Apply a command through the core."""
    return execute(incident, command, actor=actor, now=at, policy=POLICY).incident


def worked_incident(number: int, declared: datetime, severity: Severity) -> Incident:
    """A closed incident with about twenty timeline entries and three action items."""
    sam, li = "console:sam", "console:li"
    incident = open_incident(
        c.OpenIncident(severity=severity, title=f"Bench incident {number}"),
        number=number,
        actor="console:maria",
        now=declared,
        policy=POLICY,
    ).incident
    steps: list[tuple[int, c.Command, str]] = [
        (3 + number % 40, c.Acknowledge(), sam),
        (4 + number % 40, c.AssignRole(role=Role.INCIDENT_COMMANDER, user=sam), sam),
        (5 + number % 40, c.AssignRole(role=Role.COMMUNICATIONS_LEAD, user=li), sam),
        (10, c.ChangePhase(phase=Phase.TRIAGE), sam),
        (12, c.PostStatusUpdate(text="Looking at the error rates"), sam),
        (25, c.ChangePhase(phase=Phase.INVESTIGATION), sam),
        (30, c.PostStatusUpdate(text="Customers see failures", external=True), li),
        (40, c.AddNote(text="Paused the nightly batch"), li),
        (50, c.RecordPinnedMessage(author=li, text="the graph"), sam),
        (60, c.ChangePhase(phase=Phase.MITIGATION), sam),
        (70, c.PostStatusUpdate(text="Rolling back"), sam),
        (90 + number % 200, c.Resolve(summary="Rolled back"), sam),
        (91 + number % 200, c.AddActionItem(text="Add an alert", owner=sam), sam),
        (92 + number % 200, c.AddActionItem(text="Write a runbook", owner=li), sam),
        (93 + number % 200, c.AddActionItem(text="Canary deploys"), sam),
        (94 + number % 200, c.CompleteActionItem(number=1), sam),
    ]
    if number % 3:
        steps.append((95 + number % 200, c.CompleteActionItem(number=2), li))
        steps.append((96 + number % 200, c.CompleteActionItem(number=3), li))
    steps.append((600, c.MarkReviewDone(link=f"https://wiki.example.com/pir-{number}"), sam))
    steps.append((601, c.Close(), sam))
    for minute, command, actor in steps:
        incident = act(incident, command, declared + timedelta(minutes=minute), actor)
    return incident


def long_incident(number: int, entries: int) -> Incident:
    """An open SEV-1 with `entries` timeline entries (status updates and notes)."""
    incident = open_incident(
        c.OpenIncident(severity=Severity.SEV1, title="A very long incident"),
        number=number,
        actor="console:maria",
        now=START,
        policy=POLICY,
    ).incident
    for index in range(entries - 1):
        command: c.Command = (
            c.PostStatusUpdate(text=f"Update {index}: still digging into the queue backlog")
            if index % 2
            else c.AddNote(text=f"Note {index}: tried restarting worker {index % 7}")
        )
        incident = act(incident, command, START + timedelta(minutes=index), "console:sam")
    return incident


async def seed(store: SqliteStore, count: int, entries: int) -> None:
    """Write the incidents in transactions of 200."""
    severities = (Severity.SEV1, Severity.SEV2, Severity.SEV3)
    for start in range(1, count + 1, 200):
        async with store.transaction() as uow:
            for number in range(start, min(start + 200, count + 1)):
                declared = START + timedelta(hours=3 * number)
                await uow.save(worked_incident(number, declared, severities[number % 3]))
    async with store.transaction() as uow:
        await uow.save(long_incident(count + 1, entries))


def timed(samples: list[float]) -> str:
    """`median 1.2 ms (min 1.0, max 1.9)`."""
    ms = [s * 1000 for s in samples]
    return f"median {statistics.median(ms):.1f} ms (min {min(ms):.1f}, max {max(ms):.1f})"


async def main(count: int, entries: int, runs: int) -> None:
    """Seed, then time each read `runs` times."""
    with tempfile.TemporaryDirectory() as folder:
        store = await SqliteStore.open(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            began = time.perf_counter()
            await seed(store, count, entries)
            print(
                f"seeded {count} incidents + one of {entries} entries in "
                f"{time.perf_counter() - began:.1f} s"
            )
            now = START + timedelta(hours=3 * count + 24)
            async with store.transaction() as uow:
                long = await uow.load(count + 1)
            assert long is not None
            samples = []
            for _ in range(runs):
                began = time.perf_counter()
                markdown = render_review(review_facts(long, POLICY, now))
                samples.append(time.perf_counter() - began)
            print(f"review of {entries} entries ({len(markdown) // 1024} KiB): {timed(samples)}")
            samples = []
            for _ in range(runs):
                began = time.perf_counter()
                report = await build_report(store, POLICY, START, now)
                samples.append(time.perf_counter() - began)
            print(f"report over {report.total.incidents} incidents: {timed(samples)}")
            metrics = Metrics(store)
            samples = []
            for _ in range(runs):
                began = time.perf_counter()
                body = await metrics.exposition()
                samples.append(time.perf_counter() - began)
            print(f"/metrics scrape ({len(body)} bytes): {timed(samples)}")
            samples = []
            for _ in range(runs):
                began = time.perf_counter()
                async with store.transaction() as uow:
                    items = await open_action_items(uow, now)
                samples.append(time.perf_counter() - began)
            print(f"open action items ({len(items)} in {count} incidents): {timed(samples)}")
        finally:
            await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.incidents, arguments.entries, arguments.runs))
