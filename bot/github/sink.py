"""The `github` outbox platform: delivers posts about public incidents and action items to
GitHub issues, once each.

A public incident's first post opens its issue (label `incident`; or its discussion, see
`bot/github/threads.py`), later ones comment, the resolution comments and closes it; an action item's post opens its own issue. Never twice:
the issue opened for a subject (`incident:42`, `action:42:1`) is remembered in the store, and
its body carries a marker (`<!-- sevbot:incident:42 -->`) so that a retry after an answer that
never came (a 502, a dropped connection) finds the issue GitHub did open before opening one;
a comment carries its outbox item's marker and is looked for before a retry posts it again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.github.client import GitHubClient, GitHubRefused
from bot.github.threads import IssueThreads, PublicThreads
from incidents.messages import Message, MessageKind
from incidents.ports import OutboxItem, Store, TrackerIssue
from incidents.public_posts import REOPENED, STATUS, SUMMARY, action_subject

log = logging.getLogger(__name__)
PLATFORM = "github"
ACTION_LABEL = "follow-up"
MAX_TITLE = 256  # GitHub's limits (tests/github_standin.py says where each is written)
MAX_BODY = 65536
CLOCK_SKEW = timedelta(minutes=10)  # our clock may run ahead of GitHub's: look back further
ITEM = "Item"
ASSIGNEE = "Assignee"

Linked = Callable[[int, int, TrackerIssue], Awaitable[None]]
"""Called once an action item's issue exists: (incident, item, issue)."""


def marker(subject: str) -> str:
    """The invisible marker of what an issue or comment is for."""
    return f"<!-- sevbot:{subject} -->"


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fact(message: Message, label: str) -> str | None:
    for fact in message.facts:
        if fact.label == label:
            return "".join(part for part in fact.value if isinstance(part, str))
    return None


class GitHubSink:
    """The outbox's `github` platform (a `ChatPort`)."""

    platform = PLATFORM

    def __init__(
        self,
        *,
        client: GitHubClient,
        store: Store,
        status_page: str | None = None,
        linked: Linked | None = None,
        threads: PublicThreads | None = None,
    ) -> None:
        self._client = client
        self._threads = threads or IssueThreads(client)  # a public incident's issue
        self._store = store
        self._status_page = status_page
        self._linked = linked

    async def close(self) -> None:
        """Close the client's connections."""
        await self._client.close()

    async def deliver(self, item: OutboxItem) -> None:
        """Deliver one post; a `DeliveryError` leaves it to the outbox's retries."""
        message = item.message
        if message.incident is None:
            return
        if message.kind is MessageKind.ACTION_ADDED:
            await self._action_item(item, message.incident)
        elif message.kind in (MessageKind.EXTERNAL_UPDATE, MessageKind.RESOLVED):
            await self._public(item, message.incident)
        else:
            log.warning("outbox item %s: GitHub posts no %s", item.id, message.kind.value)

    def _body(self, message: Message) -> str:
        status = _fact(message, STATUS) or ""
        lead = f"**{SUMMARY}**" if status == SUMMARY else f"**{status}**"
        link = f"\n\nStatus page: {self._status_page}" if self._status_page else ""
        return f"{lead} · {message.plain_text()}{link}"

    async def _issue_for(
        self, item: OutboxItem, subject: str, find: Callable[[str], Awaitable[TrackerIssue | None]]
    ) -> tuple[TrackerIssue | None, bool]:
        """The issue remembered for `subject`, else one GitHub has with its marker (after an
        attempt whose answer was lost): (issue, found on GitHub rather than in the store)."""
        repository = self._client.repository
        async with self._store.transaction() as uow:
            known = await uow.tracker_issue(repository, subject)
        if known is not None:
            return known, False
        if item.attempts > 1:
            found = await find(marker(subject))
            if found is not None:
                await self._remember(subject, found)
                return found, True
        return None, False

    async def _remember(self, subject: str, issue: TrackerIssue) -> None:
        async with self._store.transaction() as uow:
            await uow.remember_tracker_issue(self._client.repository, subject, issue)

    async def _public(self, item: OutboxItem, number: int) -> None:
        message = item.message
        threads = self._threads
        subject = f"{threads.kind}:{number}"  # `incident:42`, `discussion:42`
        issue, found = await self._issue_for(item, subject, threads.find)
        reopened = _fact(message, STATUS) == REOPENED
        if issue is None and reopened:
            return  # no update was ever posted: there is no thread to reopen
        if reopened:
            assert issue is not None
            await threads.reopen(issue)  # reopening an open thread changes nothing
        elif found and message.kind is MessageKind.EXTERNAL_UPDATE:
            # Opened by an earlier attempt of this very post (posts of an incident go out in
            # order, so a later one finds it remembered): its text is the issue's body.
            return
        if issue is None:
            if message.kind is MessageKind.RESOLVED:
                return  # no update was ever posted: there is no issue to close
            title = _fit(message.title or f"Incident {number}", MAX_TITLE)
            body = _fit(self._body(message), MAX_BODY - 100) + "\n\n" + marker(subject)
            await self._remember(subject, await threads.open(title, body))
            return  # the first update is the thread's body
        own = marker(f"outbox:{item.id}")
        since = item.created_at - CLOCK_SKEW
        if item.attempts <= 1 or not await threads.has_comment(issue, own, since):
            body = _fit(self._body(message), MAX_BODY - 100) + "\n\n" + own
            await threads.comment(issue, body)
        if message.kind is MessageKind.RESOLVED:
            await threads.close(issue)

    async def _action_item(self, item: OutboxItem, number: int) -> None:
        message = item.message
        action = int(_fact(message, ITEM) or 0)
        subject = action_subject(number, action)
        issue, _ = await self._issue_for(
            item, subject, lambda mark: self._client.find_issue(mark, ACTION_LABEL)
        )
        if issue is None:
            assignee = _fact(message, ASSIGNEE)
            body = (
                f"Action item {action} of incident #{number}, from sevbot. Closing this issue "
                "marks the action item done.\n\n" + marker(subject)
            )
            title = _fit(message.title or message.plain_text(), MAX_TITLE)
            try:
                issue = await self._client.create_issue(
                    title=title,
                    body=body,
                    labels=[ACTION_LABEL],
                    assignees=[assignee] if assignee else [],
                )
            except GitHubRefused as refused:
                if not assignee or "assignees" not in refused.fields:
                    raise
                # A login that cannot be assigned here (not a collaborator, renamed): the
                # item still gets its issue, which says whom to assign by hand.
                log.warning("action item %s of #%s: %s", action, number, refused.reason)
                unassigned = (  # the login in code: named, not notified
                    f"sevbot could not assign `{assignee}` (GitHub refused the login for "
                    f"{self._client.repository}); assign it by hand.\n\n{body}"
                )
                issue = await self._client.create_issue(
                    title=title, body=unassigned, labels=[ACTION_LABEL], assignees=[]
                )
            await self._remember(subject, issue)
        if self._linked is not None:
            await self._linked(number, action, issue)
