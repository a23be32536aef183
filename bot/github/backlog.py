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
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.github.client import GitHubClient
from incidents.directory import PeopleDirectory
from incidents.messages import Part
from incidents.oncall.backlog import Backlog, TrackedItem, backlog_text
from incidents.ports import Clock, DeliveryError

log = logging.getLogger(__name__)
PAGE = 100  # items one read of a label returns (GitHub's most per page)
FRESH_FOR = timedelta(minutes=5)
TIMEOUT = 5.0


def _when(text: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _names(raw: Any, key: str) -> tuple[str, ...]:
    """`[{"name": "P0"}, …]` → ("P0", …); anything else → ()."""
    if not isinstance(raw, list):
        return ()
    return tuple(str(x.get(key)) for x in raw if isinstance(x, dict) and x.get(key))


def tracked_item(raw: dict[str, Any]) -> TrackedItem | None:
    """An item of GitHub's issues list, or None when it lacks what the handoff shows."""
    number, created = raw.get("number"), _when(raw.get("created_at"))
    if not isinstance(number, int) or created is None:
        return None
    return TrackedItem(
        number=number,
        title=" ".join(str(raw.get("title") or "").split()),
        url=str(raw.get("html_url") or ""),
        labels=_names(raw.get("labels"), "name"),
        assignees=_names(raw.get("assignees"), "login"),
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
        """Read the lists unless the last attempt is recent (a success, or a failure: several
        handoffs due together wait for GitHub once); never raises, waits at most `timeout`
        (then the handoff says GitHub did not answer in time)."""
        now = self._clock.now()
        tried = self.backlog.attempted_at
        if not self.wanted or (tried is not None and now - tried < self._fresh_for):
            return
        try:
            read = await asyncio.wait_for(self._read(), self._timeout)
        except Exception as error:  # whatever it is, the handoff goes out and says so
            said = (
                f"no answer within {self._timeout:g} s"
                if isinstance(error, TimeoutError)
                else str(error)
                if isinstance(error, DeliveryError)
                else f"{type(error).__name__}: {error}"
            )
            log.warning("GitHub backlog for the handoff not read: %s", said)
            self.backlog = replace(self.backlog, error=said, attempted_at=now)
            return
        self.backlog = replace(self.backlog, **read, read_at=now, error=None, attempted_at=now)

    async def _read(self) -> dict[str, Any]:
        """The `Backlog` fields a successful read sets."""
        pages: dict[str, list[TrackedItem]] = {}  # by label: a label in both lists is read once
        issue_labels, pr_labels = self.backlog.issue_labels, self.backlog.pr_labels
        issues = await self._labelled(issue_labels, pages, pull_requests=False)
        pulls = await self._labelled(pr_labels, pages, pull_requests=True)
        rank = _rank(issue_labels)

        def priority(item: TrackedItem) -> tuple[int, datetime]:
            found = [rank[label.casefold()] for label in item.labels if label.casefold() in rank]
            return (min(found, default=len(rank)), item.created_at)

        return {
            "issues": tuple(sorted(issues, key=priority)),
            "pulls": tuple(sorted(pulls, key=lambda i: i.created_at)),
            "issues_capped": any(len(pages[label]) >= PAGE for label in issue_labels),
            "pulls_capped": any(len(pages[label]) >= PAGE for label in pr_labels),
        }

    async def _labelled(
        self, labels: Sequence[str], pages: dict[str, list[TrackedItem]], *, pull_requests: bool
    ) -> list[TrackedItem]:
        """Items with any of `labels` (GitHub's `labels` filter means all of them, so one read
        per label), issues or pull requests only."""
        found: dict[int, TrackedItem] = {}
        for label in labels:
            if label not in pages:
                raws = await self._client.open_labelled(label, PAGE)
                pages[label] = [i for i in map(tracked_item, raws) if i is not None]
            for item in pages[label]:
                if item.pull_request == pull_requests:
                    found[item.number] = item
        return list(found.values())

    def who(self, login: str) -> str:
        """`Ana Lima (@ana-lima)` for a login in `[[person]] github`, else `@login`."""
        entry = self._people.by_github(login)
        return f"{entry.name} (@{login})" if entry is not None else f"@{login}"

    def text(self, now: datetime) -> list[Part]:
        """The handoff's GitHub section (nothing when no label is configured)."""
        return backlog_text(self.backlog, now, self.who) if self.wanted else []
