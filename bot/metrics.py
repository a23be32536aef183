"""Prometheus metrics: counters fed by the event stream, gauges read from the store per scrape.

Each App gets its own counters (nothing global, nothing at import time). Counters and
histograms count what this process saw (Prometheus adds up the replicas); the gauges describe
the shared store and so read the same on every replica. `bot.exposition` writes the text format
(prometheus_client is a test dependency only: the tests parse with it, and a real Prometheus
scrapes in tests/e2e).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field

from aiohttp import web

from bot import exposition
from bot.exposition import Counter, Histogram
from bot.settings_model import SecretStr
from incidents.events import (
    Event,
    IncidentAcknowledged,
    IncidentOpened,
    IncidentResolved,
    TimerFired,
    WindowMissed,
)
from incidents.phase import Phase
from incidents.ports import Store
from incidents.severity import Severity
from incidents.timers import TimerKind

CONTENT_TYPE = exposition.CONTENT_TYPE

# Seconds: 1 min … 3 days, covering SEV-0's 15-minute target up to SEV-3's business day.
DURATION_BUCKETS = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 259200)

REMINDER_KINDS = {
    TimerKind.STATUS_REMINDER: "status",
    TimerKind.EXTERNAL_UPDATE: "external_update",
    TimerKind.REVIEW_REMINDER: "review",
    TimerKind.REVIEW_DUE: "review_due",
}
BREACH_KINDS = {
    TimerKind.RESPONSE_BREACH: "response",
    TimerKind.REVIEW_DUE: "review",
}


@dataclass
class StoreSnapshot:
    """What the store said at the last scrape."""

    open_incidents: dict[tuple[Severity, Phase], int] = field(default_factory=dict)
    outbox: dict[str, int] = field(default_factory=dict)
    open_action_items: int = 0


class _StoreGauges:
    """The gauges of the latest snapshot, and the dispatcher's failure counts."""

    def __init__(self) -> None:
        self.snapshot = StoreSnapshot()
        self.failures = 0  # counted by `Metrics.delivery_failed`
        self.rate_limited = 0  # counted by `Metrics.delivery_rate_limited`

    def families(self) -> Iterator[Iterable[str]]:
        """The gauges, every label combination present (zero when none)."""
        open_incidents = self.snapshot.open_incidents
        yield exposition.gauge(
            "sevbot_open_incidents",
            "Incidents not closed yet, by severity and phase.",
            (
                (
                    (("severity", severity.token), ("phase", phase.value)),
                    open_incidents.get((severity, phase), 0),
                )
                for severity in Severity
                for phase in Phase
                if phase is not Phase.CLOSED
            ),
        )
        yield exposition.gauge(
            "sevbot_outbox_backlog",
            "Outbox messages waiting to be delivered.",
            [((), self.snapshot.outbox.get("pending", 0))],
        )
        yield exposition.gauge(
            "sevbot_outbox_dead",
            "Outbox messages given up on after failing (see `sevbot outbox`).",
            [((), self.snapshot.outbox.get("dead", 0))],
        )
        yield exposition.gauge(
            "sevbot_open_action_items",
            "Action items not done yet, across every incident.",
            [((), self.snapshot.open_action_items)],
        )
        yield exposition.counter(
            "sevbot_delivery_failures",
            "Failed delivery attempts by this process (each retry counts; not rate limits).",
            self.failures,
        )
        yield exposition.counter(
            "sevbot_delivery_rate_limited",
            "Delivery attempts a platform answered with a rate limit (they wait, not fail).",
            self.rate_limited,
        )


class Metrics:
    """The App's metrics: subscribe `observe` to its events; `exposition()` for a scrape."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.incidents_opened = Counter(
            "sevbot_incidents_opened",
            "Incidents declared, by severity at declaration.",
            ["severity"],
        )
        self.time_to_acknowledge = Histogram(
            "sevbot_time_to_acknowledge_seconds",
            "From declaration to acknowledgement, by severity when acknowledged.",
            ["severity"],
            buckets=DURATION_BUCKETS,
        )
        self.time_to_resolve = Histogram(
            "sevbot_time_to_resolve_seconds",
            "From declaration to resolution, by severity when resolved.",
            ["severity"],
            buckets=DURATION_BUCKETS,
        )
        self.reminders_sent = Counter(
            "sevbot_reminders_sent",
            "Reminders sent: status, external_update, review, review_due, action_items.",
            ["kind"],
        )
        self.breaches = Counter(
            "sevbot_breaches",
            "Targets missed: response, review, or a phase window (by phase name).",
            ["target"],
        )
        for severity in Severity:
            self.incidents_opened.labels(severity=severity.token)
            self.time_to_acknowledge.labels(severity=severity.token)
            self.time_to_resolve.labels(severity=severity.token)
        for kind in (*REMINDER_KINDS.values(), "action_items"):
            self.reminders_sent.labels(kind=kind)
        for target in ("response", "review", *(p.value for p in Phase if p is not Phase.CLOSED)):
            self.breaches.labels(target=target)
        self._gauges = _StoreGauges()

    def delivery_failed(self) -> None:
        """Count one failed delivery attempt (the dispatcher calls this)."""
        self._gauges.failures += 1

    def delivery_rate_limited(self) -> None:
        """Count one attempt a platform rate limited (the dispatcher calls this)."""
        self._gauges.rate_limited += 1

    def observe(self, event: Event) -> None:
        """Feed one committed event into the counters and histograms."""
        if isinstance(event, IncidentOpened):
            self.incidents_opened.labels(severity=event.severity.token).inc()
        elif isinstance(event, IncidentAcknowledged | IncidentResolved):
            if event.declared_at is None or event.severity is None:
                return
            took = (event.at - event.declared_at).total_seconds()
            histogram = (
                self.time_to_acknowledge
                if isinstance(event, IncidentAcknowledged)
                else self.time_to_resolve
            )
            histogram.labels(severity=event.severity.token).observe(max(took, 0.0))
        elif isinstance(event, TimerFired):
            self._timer_fired(event.key)
        elif isinstance(event, WindowMissed):  # announced by a late phase change
            self.breaches.labels(target=event.phase.value).inc()

    def _timer_fired(self, key: str) -> None:
        name, _, detail = key.partition(":")
        try:
            kind = TimerKind(name)
        except ValueError:
            return
        if kind in REMINDER_KINDS:
            self.reminders_sent.labels(kind=REMINDER_KINDS[kind]).inc()
        if kind in BREACH_KINDS:
            self.breaches.labels(target=BREACH_KINDS[kind]).inc()
        elif kind is TimerKind.PHASE_BREACH and detail:
            self.breaches.labels(target=detail).inc()

    async def refresh(self) -> None:
        """Read the gauges' figures from the store (a short read, no incident locked)."""
        async with self._store.transaction() as uow:
            open_incidents = await uow.count_open_incidents()
            open_items = await uow.count_open_action_items()
        outbox = await self._store.outbox_counts()
        self._gauges.snapshot = StoreSnapshot(
            open_incidents=open_incidents, outbox=outbox, open_action_items=open_items
        )

    async def exposition(self) -> bytes:
        """The Prometheus text format, with the store's gauges read just now."""
        await self.refresh()
        kept: tuple[Counter | Histogram, ...] = (
            self.incidents_opened,
            self.time_to_acknowledge,
            self.time_to_resolve,
            self.reminders_sent,
            self.breaches,
        )
        return exposition.render([*(m.lines() for m in kept), *self._gauges.families()])


MetricsView = Callable[[web.Request], Awaitable[web.Response]]


def metrics_view(metrics: Metrics, token: SecretStr | None) -> MetricsView:
    """GET /metrics; with SEVBOT_METRICS_TOKEN set, `Authorization: Bearer` or `?token=`."""

    async def view(request: web.Request) -> web.Response:
        if token is not None:
            header = request.headers.get("Authorization", "")
            given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
            given = given or request.query.get("token", "")
            # surrogateescape: header bytes that were not UTF-8 are a mismatch, not a crash
            sent = given.encode("utf-8", "surrogateescape")
            if not hmac.compare_digest(sent, token.get_secret_value().encode()):
                return web.Response(
                    status=401,
                    text="Send `Authorization: Bearer <SEVBOT_METRICS_TOKEN>` or `?token=`.\n",
                    headers={"WWW-Authenticate": 'Bearer realm="sevbot metrics"'},
                )
        body = await metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    return view
