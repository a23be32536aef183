"""Ports: what the core needs from outside (clock, store, chat), as Protocols.

The core defines them; adapters implement them; the application wires them. Declaring an
async method here performs no I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from incidents.access import AuditEntry
from incidents.alerts.github import Cadence, DigestItem
from incidents.alerts.heartbeat import HeartbeatState
from incidents.alerts.model import AlertGroup
from incidents.alerts.storm import StormState
from incidents.maintenance import Maintenance
from incidents.messages import Message
from incidents.model import Incident
from incidents.names import PersonName
from incidents.oncall.ports import OnCallRecords
from incidents.people import Person
from incidents.phase import Phase
from incidents.severity import Severity
from incidents.timers import TimerSpec


class Clock(Protocol):
    """The only source of the current time."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxItem:
    """A message waiting in (or delivered from) the outbox."""

    id: int
    platform: str
    message: Message
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None = None
    dead_at: datetime | None = None
    last_error: str | None = None
    rate_limits: int = 0  # attempts the platform refused with a Retry-After: not failures
    retried_at: datetime | None = None  # when `sevbot outbox retry` sent it again
    claimed_by: str | None = None  # the sender delivering it now, if any

    @property
    def failures(self) -> int:
        """Attempts that count: every claim except those answered with a rate limit."""
        return max(self.attempts - self.rate_limits, 0)

    @property
    def waiting_since(self) -> datetime:
        """Since when this message has waited for delivery: created, or sent again by hand."""
        return self.retried_at or self.created_at


@dataclass(frozen=True, slots=True, kw_only=True)
class TimerClaim:
    """A due timer claimed by one scheduler (see `Store.claim_due_timers`)."""

    incident: int
    key: str
    due_at: datetime


class IncidentRecords(Protocol):
    """Incidents: numbering, loading (locked), saving, and the lists and counts of them."""

    async def allocate_number(self) -> int:
        """The next incident number; atomic across processes."""
        ...

    async def load(self, number: int) -> Incident | None:
        """The incident, locked against concurrent change until the transaction ends."""
        ...

    async def save(self, incident: Incident) -> None:
        """Insert or update the incident; append its new timeline entries."""
        ...

    async def create(self, incident: Incident) -> None:
        """Insert a new incident (its number just allocated in this transaction: nothing of
        it is stored yet, timers included) with its timeline, reading nothing first."""
        ...

    async def load_all(self, numbers: Collection[int]) -> list[Incident]:
        """The incidents (those that exist), by number, each locked as `load` locks it."""
        ...

    async def save_all(self, incidents: Sequence[Incident]) -> None:
        """Update incidents loaded in this transaction; append their new timeline entries
        (a few statements for all of them)."""
        ...

    async def open_incidents(self) -> list[Incident]:
        """Every incident not yet closed, by number."""
        ...

    async def incidents_since(self, since: datetime) -> list[Incident]:
        """Every incident declared at or after `since`, by number."""
        ...

    async def count_open_incidents(self) -> dict[tuple[Severity, Phase], int]:
        """How many incidents are not closed, by (severity, phase), without locking them."""
        ...


class ActionItemRecords(Protocol):
    """Action items not done yet, across incidents (they outlive the incident)."""

    async def incidents_with_open_action_items(self) -> list[Incident]:
        """Every incident, closed or not, with an action item not done yet, by number."""
        ...

    async def count_open_action_items(self) -> int:
        """How many action items are not done yet, across every incident."""
        ...


class OutboxRecords(Protocol):
    """The outbox: messages to post, written in the transaction that caused them."""

    async def enqueue(self, messages: Sequence[Message], *, platform: str, now: datetime) -> None:
        """Add messages to the outbox for `platform`."""
        ...

    async def enqueue_all(
        self, deliveries: Sequence[tuple[str, Message]], *, now: datetime
    ) -> None:
        """Add (platform, message) pairs to the outbox, as `enqueue` one after another would
        (a few statements for all of them)."""
        ...

    async def prune_outbox(self, delivered_before: datetime) -> int:
        """Delete outbox items delivered before `delivered_before`; returns how many."""
        ...

    async def revive_outbox(self, ids: Sequence[int] | None, now: datetime) -> list[int]:
        """Send given-up items again, due at `now` (`ids`, or every dead one for None);
        returns the ids revived (an id not dead is left alone)."""
        ...


class TimerRecords(Protocol):
    """An incident's durable timers, and the lock that lets one worker fire them."""

    async def replace_timers(self, number: int, timers: Sequence[TimerSpec]) -> None:
        """Make the incident's stored timers exactly `timers`."""
        ...

    async def due_timers(self, number: int, now: datetime) -> list[tuple[str, datetime]]:
        """(key, due_at) of the incident's timers due at `now`, earliest first."""
        ...

    async def lock_incident(self, number: int) -> bool:
        """Lock the incident for this transaction; False if another holder has it."""
        ...

    async def claimed_timers(
        self, numbers: Collection[int], holder: str
    ) -> dict[int, list[tuple[str, datetime]]]:
        """(key, due_at) of the timers of `numbers` still claimed by `holder`, earliest
        first, locked for this transaction. A timer whose lease ended and that another
        holder claimed, or that changed since the claim, is not among them."""
        ...

    async def replace_all_timers(self, timers: Mapping[int, Sequence[TimerSpec]]) -> None:
        """`replace_timers` for several incidents (a few statements for all of them)."""
        ...


class JobRecords(Protocol):
    """Named recurring jobs (nags, handoffs, pruning) and when each is next due."""

    async def claim_job(self, name: str) -> datetime | None:
        """The job's due time, locked for this transaction; None if absent or held elsewhere."""
        ...

    async def schedule_job(self, name: str, due_at: datetime) -> None:
        """Create the job, or move it to `due_at`."""
        ...

    async def cancel_job(self, name: str) -> None:
        """Remove the job."""
        ...

    async def job_due(self, name: str) -> datetime | None:
        """When the job is next due, without locking it."""
        ...


class IdempotencyRecords(Protocol):
    """Request keys already handled, so a retried request is done once."""

    async def remember_request(self, key: str, now: datetime) -> bool:
        """Record an idempotency key; False if it was seen before (a retried request)."""
        ...

    async def record_answer(self, key: str, answer: str) -> None:
        """Keep the answer given to request `key`, for its repeats."""
        ...

    async def request_answer(self, key: str) -> str | None:
        """The answer kept for request `key`, if any."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class InboxEntry:
    """A chat command written down before it was acknowledged, until it is done."""

    key: str  # its request key (`slack:command:<trigger_id>`, `discord:<interaction id>`)
    platform: str
    command: str  # what the chat adapter needs to run it again; opaque to everyone else
    received_at: datetime
    done_at: datetime | None = None


class CommandInbox(Protocol):
    """Acknowledged means durable: chat commands written before their acknowledgement."""

    async def record_command(self, entry: InboxEntry) -> bool:
        """Write the command down, committed when this returns; False if its key was there."""
        ...

    async def pending_commands(self, platform: str, limit: int) -> list[InboxEntry]:
        """Commands of `platform` not done yet, oldest first."""
        ...

    async def command_done(self, key: str, now: datetime) -> None:
        """Mark the command done: its person has the answer (or was told it failed)."""
        ...

    async def prune_commands(self, done_before: datetime) -> int:
        """Forget commands done before `done_before`; returns how many."""
        ...


class AuditRecords(Protocol):
    """The audit log: appended to, read; never changed."""

    async def append_audit(self, entry: AuditEntry) -> None:
        """Append one entry."""
        ...

    async def audit_since(self, since: datetime, limit: int) -> list[AuditEntry]:
        """Entries at or after `since`, newest first, at most `limit`."""
        ...

    async def latest_audit(self, action: str) -> AuditEntry | None:
        """The newest entry of `action` (e.g. `config`), if any."""
        ...


class ChannelBindings(Protocol):
    """Which chat channel belongs to which incident, per platform."""

    async def bind_channel(self, number: int, platform: str, channel_id: str) -> None:
        """Record the chat channel created for an incident."""
        ...

    async def channel_of(self, number: int, platform: str) -> str | None:
        """The chat channel of an incident on `platform`, if one was created."""
        ...

    async def incident_in_channel(self, platform: str, channel_id: str) -> int | None:
        """The incident whose channel this is, if any."""
        ...


class WebSessions(Protocol):
    """Dashboard sign-in sessions, by the key the web side derives from the cookie."""

    async def create_session(self, key: str, *, expires_at: datetime, now: datetime) -> None:
        """Store a new session (and forget those expired by `now`)."""
        ...

    async def session_valid(self, key: str, now: datetime) -> bool:
        """True for a stored session not expired at `now`."""
        ...

    async def revoke_session(self, key: str) -> None:
        """Forget one session (logout)."""
        ...

    async def revoke_all_sessions(self, now: datetime) -> int:
        """Forget every session; returns how many were still valid at `now`."""
        ...


class NameReads(Protocol):
    """People's names as their platforms showed them, read."""

    async def person_names(self, people: Collection[Person]) -> dict[Person, PersonName]:
        """The names kept for `people` (those with none are left out)."""
        ...


class NameRecords(NameReads, Protocol):
    """People's names as their platforms showed them, with when each was last refreshed."""

    async def remember_name(self, name: PersonName) -> None:
        """Keep a person's name; an older one is replaced, a newer one kept stays."""
        ...


class AlertRecords(Protocol):
    """Alerts in: the groups incidents follow, each source's storm guard, the heartbeats."""

    async def alert_group(self, source: str, key: str) -> AlertGroup | None:
        """The group, locked for this transaction; None when not seen before."""
        ...

    async def alert_group_by_id(self, group_id: int) -> AlertGroup | None:
        """The group with this id (an alert card's buttons carry it), locked."""
        ...

    async def save_alert_group(self, group: AlertGroup, now: datetime) -> AlertGroup:
        """Insert or update the group; returns it with its id."""
        ...

    async def alert_groups_of(self, number: int) -> list[AlertGroup]:
        """The groups incident `number` follows (one, or a storm's many), by id."""
        ...

    async def alert_groups_to_silence(self, sources: Sequence[str]) -> list[AlertGroup]:
        """Groups of `sources` that are silenced or followed by an incident not closed."""
        ...

    async def storm_state(self, source: str) -> StormState:
        """The source's storm-guard state, locked for this transaction (the source's
        notifications are handled one at a time)."""
        ...

    async def save_storm_state(self, state: StormState) -> None:
        """Keep the source's storm-guard state."""
        ...

    async def heartbeat(self, name: str) -> HeartbeatState | None:
        """The heartbeat's state, locked; None when it was never watched."""
        ...

    async def save_heartbeat(self, state: HeartbeatState) -> None:
        """Insert or update the heartbeat's state."""
        ...

    async def save_digest_item(self, item: DigestItem) -> None:
        """Keep a finding for its digest; the same group again replaces what it said."""
        ...

    async def drop_digest_item(self, source: str, key: str) -> None:
        """Forget a waiting finding (fixed or dismissed before its digest)."""
        ...

    async def digest_items(self, source: str, cadence: Cadence) -> list[DigestItem]:
        """The findings of `source` waiting for its `cadence` digest, oldest first, locked."""
        ...

    async def digest_posted(self, ids: Sequence[int]) -> None:
        """The findings `ids` went out in a digest: they wait no more."""
        ...


class StatusPageRecords(Protocol):
    """The status page's own records: scheduled maintenance, and its components' first sight."""

    async def add_maintenance(self, maintenance: Maintenance) -> int:
        """Store planned work (its `id` is ignored); returns the id it was given."""
        ...

    async def maintenances_since(self, since: datetime) -> list[Maintenance]:
        """Planned work ending at or after `since`, by id."""
        ...

    async def register_components(self, names: Sequence[str], now: datetime) -> None:
        """Remember `now` as the creation time of each component not seen before."""
        ...

    async def components_created(self) -> dict[str, datetime]:
        """When each component seen so far first appeared, by name."""
        ...


@dataclass(frozen=True, slots=True)
class TrackerIssue:
    """An issue (or a discussion) sevbot opened in an issue tracker (GitHub): its number, where
    people read it, and the tracker's own id of it when its API needs one (a discussion's)."""

    number: int
    url: str
    node_id: str = ""


class TrackerIssueRecords(Protocol):
    """The issues sevbot opened, by repository and what each is for (`incident:42`,
    `action:42:1`): a retry finds the one already opened; a closed one finds its subject."""

    async def tracker_issue(self, repository: str, subject: str) -> TrackerIssue | None:
        """The issue opened for `subject`, if one was."""
        ...

    async def remember_tracker_issue(
        self, repository: str, subject: str, issue: TrackerIssue
    ) -> None:
        """Remember the issue opened for `subject` (kept if one is already remembered)."""
        ...

    async def tracker_subject(self, repository: str, number: int) -> str | None:
        """What issue `number` was opened for, if sevbot opened it."""
        ...


class UnitOfWork(
    TrackerIssueRecords,
    IncidentRecords,
    ActionItemRecords,
    OutboxRecords,
    TimerRecords,
    JobRecords,
    IdempotencyRecords,
    AuditRecords,
    ChannelBindings,
    OnCallRecords,
    WebSessions,
    AlertRecords,
    NameRecords,
    StatusPageRecords,
    Protocol,
):
    """One transaction: everything done through it commits together or not at all.

    The one place the per-concept records are composed; a function that needs only one of
    them can ask for that one.
    """


class QueryReads(NameReads, Protocol):
    """What a query (a view that changes nothing) reads outside a write transaction."""

    async def open_incidents(self) -> list[Incident]:
        """Every incident not yet closed, read in one statement (so consistent on its own)."""
        ...

    async def load(self, number: int) -> Incident | None:
        """The incident with its timeline as the last commit left it (not locked), in one
        statement."""
        ...

    async def channel_of(self, number: int, platform: str) -> str | None:
        """The chat channel of an incident on `platform`, if one was created."""
        ...

    async def incident_in_channel(self, platform: str, channel_id: str) -> int | None:
        """The incident whose channel this is, if any."""
        ...


class Store(CommandInbox, Protocol):
    """The persistent store: transactions, the timer index, the outbox and the inbox."""

    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """Begin a write transaction."""
        ...

    def reading(self) -> AbstractAsyncContextManager[QueryReads]:
        """Reads for a query, outside any write transaction: no write lock is taken, nothing
        is begun or committed, and each statement sees the store as it is when it runs."""
        ...

    async def incidents_with_due_timers(self, now: datetime, limit: int) -> list[int]:
        """Numbers of incidents that have a timer due at `now`, most overdue first."""
        ...

    async def claim_due_timers(
        self, now: datetime, lease_until: datetime, limit: int, *, holder: str
    ) -> list[TimerClaim]:
        """Up to `limit` timers due at `now` that nobody holds (or whose holder's lease
        ended), claimed by `holder` until `lease_until`, most overdue first, in one
        statement. Concurrent claimers get disjoint sets. A claim is not a firing: the
        firing transaction fires only what `UnitOfWork.claimed_timers` still finds."""
        ...

    async def release_timers(self, numbers: Sequence[int], *, holder: str) -> None:
        """Give up `holder`'s claims on the timers of `numbers` (still due, they are claimed
        again at once)."""
        ...

    async def due_jobs(self, now: datetime, limit: int) -> list[str]:
        """Names of jobs due at `now`, most overdue first."""
        ...

    async def next_timer_due(self) -> datetime | None:
        """When the earliest stored timer or job is due."""
        ...

    async def claim_outbox(
        self, now: datetime, lease_until: datetime, limit: int, *, sender: str
    ) -> list[OutboxItem]:
        """Undelivered items due for an attempt, claimed by `sender` and leased until
        `lease_until`, by id; only the oldest undelivered item of each incident on each platform
        (a platform that is down delays only its own rows). An item whose
        wait began after `now` (the clock went back) is due."""
        ...

    async def mark_delivered(self, item_id: int, now: datetime) -> None:
        """Record a successful delivery."""
        ...

    async def mark_failed(
        self,
        item_id: int,
        error: str,
        retry_at: datetime | None,
        now: datetime,
        *,
        rate_limited: bool = False,
    ) -> None:
        """Record a failed attempt and when to try again; None gives up on the item.
        `rate_limited`: the platform asked to wait; the attempt is not a failure."""
        ...

    async def start_sender(self, sender: str, now: datetime) -> int:
        """Register a starting sender. On a store only one process uses (SQLite), every claim
        is released: whoever held it is gone. Returns how many claims were released."""
        ...

    async def renew_sender(self, sender: str, now: datetime, gone_after: timedelta) -> int:
        """The sender's heartbeat; releases the claims of senders silent for `gone_after` (or
        seen that far in the future: a clock went back). Returns how many were released."""
        ...

    async def waiting_behind(self) -> dict[int, int]:
        """For the oldest undelivered item of each incident on each platform, how many wait
        behind it there."""
        ...

    async def next_outbox_due(self) -> datetime | None:
        """When the earliest undelivered item is next due for an attempt."""
        ...

    async def list_outbox(self, *, undelivered_only: bool, limit: int) -> list[OutboxItem]:
        """Outbox items, newest first."""
        ...

    async def schema_version(self) -> int:
        """The newest applied schema migration (0 for an empty database)."""
        ...

    async def migrate(self, *, apply: bool = True) -> list[int]:
        """Apply missing migrations; returns the versions applied."""
        ...

    async def outbox_backlog(self) -> int:
        """How many outbox items still wait for delivery (cheap: for health checks)."""
        ...

    async def outbox_counts(self) -> dict[str, int]:
        """How many outbox items are delivered, pending and dead."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class ChatPort(Protocol):
    """A chat platform that delivers outbox items. Must be idempotent per outbox item id."""

    platform: str

    async def deliver(self, item: OutboxItem) -> None:
        """Post the item; raise `DeliveryError` (with `retry_after` when rate limited)."""
        ...


class DeliveryError(Exception):
    """A delivery that failed. `retry_after`: seconds the platform asked us to wait (a rate
    limit, not a failure); `permanent`: a retry would fail the same way."""

    def __init__(self, reason: str, *, retry_after: float | None = None, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent


class StoreUnavailable(Exception):
    """The store could not be reached, read or written just now: the server is down or
    restarting, the connection was cut, the file is read-only or the disk is full.

    `where` names the store (`PostgreSQL at db:5432`, `SQLite file /var/lib/sevbot.db`) and
    `cause` what went wrong. `committed` is False when the work surely did not commit (running
    it again is safe) and None when it may have (the connection was lost during the commit).
    `lasting`: waiting will not help (no such database, refused credentials, no driver).
    """

    def __init__(
        self, where: str, cause: str, *, committed: bool | None = False, lasting: bool = False
    ) -> None:
        super().__init__(f"{where}: {cause}")
        self.where = where
        self.cause = cause
        self.committed = committed
        self.lasting = lasting
