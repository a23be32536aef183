"""Warming a serving process's PostgreSQL connections (issue 20: the first channel).

asyncpg prepares a statement on a connection the first time that connection runs it: one more
round trip, and the server's first look at each table on a new connection. Before, the first
incident after a start (or after the pool had closed its idle connections) paid that for each
of the twenty-odd statements between `/incident open` and its channel: a few milliseconds.
Here each connection runs those statements once, through the same code that runs them for
real (so their texts are the same: asyncpg's cache is by text), in a transaction the caller
rolls back: nothing is kept, no claim is taken (the claims' limit is 0), and prepared
statements outlive a rollback.
"""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.stores.dialect import POSTGRES, Connection
from adapters.stores.sql import SqlUnitOfWork
from adapters.stores.sql_inbox import InboxQueries
from adapters.stores.sql_queries import SqlQueries
from adapters.stores.sql_reads import SqlReads
from incidents import commands as c
from incidents.handlers import open_incident
from incidents.names import PersonName
from incidents.people import SEVBOT
from incidents.policy import Policy
from incidents.severity import Severity
from incidents.timers import pending_timers

WARM_KEY = "sevbot:warm-up"  # the request and inbox key of the rehearsal (never committed)
WARM_PLATFORM = "slack"  # any platform: the statements' texts do not depend on it
WARM_AT = datetime(2000, 1, 1, tzinfo=UTC)  # any time: nothing of it is kept


async def rehearse(
    db: Connection, queries: SqlQueries, inbox: InboxQueries, *, now: datetime
) -> None:
    """Run the hot statements of an open and its first delivery once on `db`, inside a
    transaction the caller rolls back (see the module)."""
    uow = SqlUnitOfWork(db, POSTGRES)
    await uow.remember_request(WARM_KEY, now)
    number = await uow.allocate_number()
    policy = Policy()
    decision = open_incident(
        c.OpenIncident(severity=Severity.SEV3, title="warm-up"),
        number=number,
        actor=SEVBOT,
        now=now,
        policy=policy,
        origin=WARM_PLATFORM,
    )
    incident = decision.incident
    await uow.create(incident)
    await uow.enqueue_all([(WARM_PLATFORM, m) for m in decision.messages], now=now)
    await uow.replace_all_timers({number: pending_timers(incident, policy)})
    await uow.record_answer(WARM_KEY, "")
    # The delivery: the outbox claim, the channel and the incident read, the channel bound.
    await queries.claim_outbox(db, now, now, 0, WARM_KEY)
    reads = SqlReads(db, POSTGRES, {})
    await reads.channel_of(number, WARM_PLATFORM)
    await reads.load(number)
    await uow.bind_channel(number, WARM_PLATFORM, WARM_KEY)
    await queries.mark_delivered(db, -1, now)
    # Woken by the same commit: the scheduler's round and the outbox's next due time.
    await queries.claim_due_timers(db, now, now, 0, WARM_KEY)
    await queries.due_jobs(db, now, 0)
    await queries.next_timer_due(db)
    await queries.next_outbox_due(db)
    # The command's inbox row done, and the names read and kept for the channel's topic.
    await inbox.done(db, WARM_KEY, now)
    await reads.person_names([SEVBOT])
    await uow.remember_name(PersonName(person=SEVBOT, name="sevbot", refreshed_at=now))
