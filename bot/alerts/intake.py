"""Received means durable: an alert is written to the inbox before the hook answers 2xx.

A hook records the body (with its source) in the command inbox under a key of its own (the
`alerts` platform), answers, and leaves the work to one worker task, which applies the
notifications in the order they came (a group's later word never overtakes an earlier one) and
marks each done. A process that starts applies what an earlier one recorded and did not
finish; the alert service remembers each key in the transaction that applies it, so nothing is
applied twice. A body that could not be recorded is answered 503: the sender retries.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from bot.alerts.payloads import BadPayload, alertmanager_notification, events_event
from bot.alerts.service import AlertService

if TYPE_CHECKING:
    from bot.alerts.github import GitHubAlerts
from bot.inbox import Inbox
from incidents.alerts.model import Notification
from incidents.ports import StoreUnavailable

log = logging.getLogger(__name__)
PLATFORM = "alerts"  # the inbox's platform for received alerts
RETRIES = 5  # store faults met by one notification before it is left for the next start
RETRY_WAIT = 0.5  # seconds, doubling
QUIET = 0.005  # seconds without a new alert before the worker applies the next one …
MOST_DEFERRED = 0.05  # … but it never waits longer than this for one
GITHUB = "github"  # a GitHub delivery: applied by `GitHubAlerts`, not parsed here


def notification_of(command: str) -> Notification:
    """The notification a recorded body stands for (parsed again: pure and deterministic)."""
    fields = json.loads(command)
    source, kind, body = str(fields["source"]), str(fields["kind"]), fields["body"]
    if kind == GITHUB:
        raise BadPayload("a GitHub delivery is applied by the GitHub sources")
    if kind == "events":
        label = str(fields.get("severity_label") or "severity")
        return events_event(body, source, severity_label=label).notification
    return alertmanager_notification(body, source)


class AlertIntake:
    """Records received alerts and applies them in order, one at a time, after the answer."""

    def __init__(
        self, *, inbox: Inbox, alerts: AlertService, github: GitHubAlerts | None = None
    ) -> None:
        self._inbox = inbox
        self._alerts = alerts
        self._github = github
        self._queue: deque[tuple[str, str]] = deque()
        self._worker: asyncio.Task[None] | None = None
        self._last_received = 0.0  # monotonic: when an alert last came in

    async def record(
        self,
        source: str,
        kind: str,
        body: Any,
        *,
        severity_label: str,
        raw: str | None = None,
        delivery: str | None = None,
        event: str = "",
    ) -> bool:
        """Write a received body down (`raw`: its JSON text as received, saving a dump);
        True once committed (then answer 2xx), False when the store failed (answer 503: the
        sender retries). `delivery`: the sender's id of the delivery (GitHub's
        `X-GitHub-Delivery`), so that a redelivery is recorded and applied once."""
        if delivery is not None:
            key = f"{PLATFORM}:{source}:delivery:{delivery}"
            if self._inbox.in_flight(key):
                return True  # a redelivery of one this process has not finished: applied once
        else:
            key = f"{PLATFORM}:{source}:{uuid.uuid4().hex}"
        said: dict[str, str] = {"source": source, "kind": kind, "severity_label": severity_label}
        if event:
            said["event"] = event
        head = json.dumps(
            said,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        text = raw if raw is not None else json.dumps(body, ensure_ascii=False)
        command = f'{head[:-1]},"body":{text}}}'
        self._last_received = time.monotonic()
        if not await self._inbox.record(key, PLATFORM, command):
            return False
        self._queue.append((key, command))
        self._spawn()
        return True

    async def replay(self) -> int:
        """Queue what an earlier process recorded and did not apply; how many."""
        entries = await self._inbox.take_back(PLATFORM)
        self._queue.extend((entry.key, entry.command) for entry in entries)
        if entries:
            self._spawn()
        return len(entries)

    def _spawn(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._work(), name="alerts")

    async def _work(self) -> None:
        while self._queue:
            await self._answers_first()
            key, command = self._queue.popleft()
            if await self._apply(key, command):
                await self._inbox.done(key)

    async def _answers_first(self) -> None:
        """Let the answers of a burst go first: wait while alerts keep coming in (at most
        MOST_DEFERRED), since applying one holds the event loop for a while."""
        waited = 0.0
        await asyncio.sleep(0)
        while time.monotonic() - self._last_received < QUIET and waited < MOST_DEFERRED:
            await asyncio.sleep(QUIET)
            waited += QUIET

    async def _apply(self, key: str, command: str) -> bool:
        """Apply one; True when it is finished with (applied, or unreadable and left out),
        False when the store kept failing (it stays in the inbox for the next start)."""
        try:
            apply = self._applier(key, command)
        except (BadPayload, ValueError, KeyError, TypeError) as error:
            log.error("alert %s cannot be read (%s); it is left out", key, error)
            return True
        wait = RETRY_WAIT
        for attempt in range(RETRIES):
            try:
                await apply()
            except StoreUnavailable as fault:
                if attempt == RETRIES - 1:
                    log.error("alert %s not applied (%s); the next start applies it", key, fault)
                    return False
                await asyncio.sleep(wait)
                wait *= 2
            except Exception:
                log.exception("alert %s failed; it is left out", key)
                return True
            else:
                return True
        return False

    def _applier(self, key: str, command: str) -> Callable[[], Awaitable[bool]]:
        """What applies a recorded body: the GitHub sources for a delivery, else the alert
        service with the notification it stands for."""
        fields = json.loads(command)
        if fields["kind"] == GITHUB:
            github = self._github
            if github is None:
                raise KeyError("no GitHub source is configured")
            source, event, body = str(fields["source"]), str(fields["event"]), fields["body"]
            return partial(github.receive, source, event, body, key)
        return partial(self._alerts.receive, notification_of(command), key)

    async def settle(self) -> None:
        """Wait until every recorded alert is applied (tests, benchmarks, draining)."""
        while self._worker is not None and not self._worker.done():
            await asyncio.shield(self._worker)

    async def close(self, grace: float) -> None:
        """Let the worker finish for up to `grace` seconds; what is left stays in the inbox."""
        if self._worker is not None and not self._worker.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._worker), timeout=grace)
            except TimeoutError:
                self._worker.cancel()
        self._queue.clear()
