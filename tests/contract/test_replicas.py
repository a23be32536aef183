"""Several replicas on one PostgreSQL database: three schedulers, each timer fired once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from bot.bootstrap import build_app
from bot.clock import FakeClock
from bot.config import Settings
from incidents.commands import OpenIncident
from incidents.handlers import open_incident
from incidents.severity import Severity
from incidents.timers import pending_timers
from tests.contract.backends import Backend, only_postgres
from tests.fakes import RecordingChat
from tests.service.conftest import T0

INCIDENTS = 1000


async def test_three_schedulers_fire_each_of_1000_timers_once(backend: Backend) -> None:
    """1,000 due reminders, 3 scheduler instances with their own pools: each fires once."""
    only_postgres(backend)
    clock = FakeClock(T0)
    settings = Settings(database_url=backend.url)
    replicas = [
        await build_app(settings, clock=clock, chats=[RecordingChat()], store=await backend.open())
        for _ in range(3)
    ]
    try:
        policy = replicas[0].policy
        async with replicas[0].store.transaction() as uow:
            for _ in range(INCIDENTS):
                number = await uow.allocate_number()
                decision = open_incident(
                    OpenIncident(severity=Severity.SEV3, title=f"load {number}"),
                    number=number,
                    actor="console:bench",
                    now=T0,
                    policy=policy,
                )
                await uow.save(decision.incident)
                await uow.replace_timers(number, pending_timers(decision.incident, policy))
        clock.advance(minutes=30)  # reminders, detection warnings and breaches are due
        due = await backend.fetch("SELECT COUNT(*) FROM timers WHERE due_at <= ?", clock.now())
        fired = await asyncio.gather(*(replica.scheduler.fire_due() for replica in replicas))
        async with replicas[0].store.transaction() as uow:
            incidents = await uow.open_incidents()
        firings = Counter(
            (incident.number, entry.get("timer"))
            for incident in incidents
            for entry in incident.timeline
            if entry.get("timer") is not None
        )
        reminders = Counter(
            number for (number, key) in firings.elements() if key == "status-reminder"
        )
        one_shots = sum(len(incident.fired_timers) for incident in incidents)
        assert due[0][0] == INCIDENTS * 3  # reminder, detection warning, detection breach
        assert sum(fired) == due[0][0]
        assert one_shots + len(reminders) == due[0][0]
        assert set(firings.values()) == {1}, "a timer's message was posted twice"
        assert set(reminders.values()) == {1}
        assert len(reminders) == INCIDENTS
        assert sum(1 for count in fired if count) >= 2, "the work should be shared"
        assert await replicas[0].store.next_timer_due() == T0 + timedelta(minutes=60)
    finally:
        for replica in replicas:
            await replica.close()
