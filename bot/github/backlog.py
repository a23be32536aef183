"""The repository's urgent backlog for the handoff, read from GitHub just before it is posted.

A handoff job runs inside a store transaction, which must not wait on GitHub; so the scheduler
calls `prepare` before it opens that transaction. `prepare` reads the list when the last read
is older than `fresh_for` (a replica that loses the race for the job read it for nothing, which
is harmless), and waits at most `timeout`: a slow or failing GitHub delays the handoff by that
much at most, and the handoff then says it could not read GitHub, with the older list if any.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.github.client import GitHubClient
from incidents.directory import PeopleDirectory
from incidents.messages import Part
from incidents.oncall.backlog import Backlog, TrackedItem, backlog_text
from incidents.ports import Clock, DeliveryError

log = logging.getLogger(__name__)
FRESH_FOR = timedelta(minutes=5)
TIMEOUT = 5.0


def _when(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def tracked_item(raw: dict[str, Any]) -> TrackedItem | None:
    """An item of GitHub's issues list, or None when it lacks what the handoff shows."""
    number, created = raw.get("number"), _when(raw.get("created_at"))
    if not isinstance(number, int) or created is None:
        return None
    labels = tuple(
        str(label.get("name")) for label in raw.get("labels") or () if isinstance(label, dict)
    )
    assignees = tuple(
        str(user.get("login")) for user in raw.get("assignees") or () if isinstance(user, dict)
    )
    return TrackedItem(
        number=number,
        title=" ".join(str(raw.get("title") or "").split()),
        url=str(raw.get("html_url") or ""),
        labels=labels,
        assignees=assignees,
        created_at=created,
        pull_request=raw.get("pull_request") is not None,
    )


def _rank(labels: Sequence[str]) -> dict[str, int]:
    return {label.casefold(): index for index, label in enumerate(labels)}


class GitHubBacklog:
    """The last read of the repository's open issues labelled `issue_labels` (any of them) and
    open pull requests labelled `pr_labels`."""

    def __init__(
        self,
        client: GitHubClient,
        *,
        issue_labels: Sequence[str],
        pr_labels: Sequence[str],
        clock: Clock,
        people: PeopleDirectory,
        fresh_for: timedelta = FRESH_FOR,
        timeout: float = TIMEOUT,
    ) -> None:
        self._client = client
        self._clock = clock
        self._people = people
        self._fresh_for = fresh_for
        self._timeout = timeout
        self.backlog = Backlog(
            repository=client.repository,
            issue_labels=tuple(issue_labels),
            pr_labels=tuple(pr_labels),
        )

    @property
    def wanted(self) -> bool:
        """Whether any label is configured (none: the handoff has no GitHub section)."""
        return bool(self.backlog.issue_labels or self.backlog.pr_labels)

    async def prepare(self, job: str = "") -> None:
        """Read the lists unless the last read is fresh; never raises, waits at most
        `timeout` (then the handoff says GitHub did not answer in time)."""
        now = self._clock.now()
        read_at = self.backlog.read_at
        if not self.wanted or (read_at is not None and now - read_at < self._fresh_for):
            return
        try:
            issues, pulls = await asyncio.wait_for(self._read(), self._timeout)
        except (DeliveryError, TimeoutError) as error:
            said = str(error) or f"no answer within {self._timeout:g} s"
            log.warning("GitHub backlog for the handoff not read: %s", said)
            self.backlog = replace(self.backlog, error=said, attempted_at=now)
            return
        self.backlog = replace(
            self.backlog, issues=issues, pulls=pulls, read_at=now, error=None, attempted_at=now
        )

    async def _read(self) -> tuple[tuple[TrackedItem, ...], tuple[TrackedItem, ...]]:
        issues = await self._labelled(self.backlog.issue_labels, pull_requests=False)
        pulls = await self._labelled(self.backlog.pr_labels, pull_requests=True)
        rank = _rank(self.backlog.issue_labels)

        def priority(item: TrackedItem) -> tuple[int, datetime]:
            found = [rank[label.casefold()] for label in item.labels if label.casefold() in rank]
            return (min(found, default=len(rank)), item.created_at)

        return tuple(sorted(issues, key=priority)), tuple(sorted(pulls, key=lambda i: i.created_at))

    async def _labelled(self, labels: Sequence[str], *, pull_requests: bool) -> list[TrackedItem]:
        """Items with any of `labels` (GitHub's `labels` filter means all of them, so one read
        per label), issues or pull requests only."""
        found: dict[int, TrackedItem] = {}
        for label in labels:
            for raw in await self._client.open_labelled(label):
                item = tracked_item(raw)
                if item is not None and item.pull_request == pull_requests:
                    found[item.number] = item
        return list(found.values())

    def who(self, login: str) -> str:
        """`Ana Lima (@ana-lima)` for a login in `[[person]] github`, else `@login`."""
        entry = self._people.by_github(login)
        return f"{entry.name} (@{login})" if entry is not None else f"@{login}"

    def text(self, now: datetime) -> list[Part]:
        """The handoff's GitHub section (nothing when no label is configured)."""
        return backlog_text(self.backlog, now, self.who) if self.wanted else []
