"""What sevbot writes to GitHub, decided inside the transaction of each command: the posts
about public incidents and the action items that become issues, enqueued on the `github`
outbox platform; and, back from GitHub, an action item's issue closed marks the item done.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from bot.github.sink import ASSIGNEE, ITEM, PLATFORM
from bot.routing import OutboxWriter
from bot.service import Refused, RequestContext
from incidents import commands as c
from incidents.decision import to_channel
from incidents.directory import PeopleDirectory
from incidents.errors import InvalidCommand
from incidents.events import Event
from incidents.messages import Audience, Fact, Message, MessageKind
from incidents.model import ActionItem, Incident
from incidents.people import SEVBOT, Person
from incidents.policy import Policy
from incidents.ports import Clock, Store, TrackerIssue, UnitOfWork
from incidents.public_posts import (
    parse_action_subject,
    public_posts,
    wanted_issues,
    with_issue,
)
from incidents.severity import Severity

CommittedChange = Callable[[UnitOfWork, Incident, Incident], Awaitable[None]]
"""Called in a command's transaction with the incident before and after it."""


def _action_post(after: Incident, item: ActionItem, login: str | None) -> Message:
    facts: tuple[Fact, ...] = (Fact(ITEM, (str(item.number),)),)
    if login:
        facts += (Fact(ASSIGNEE, (login,)),)
    return Message(
        kind=MessageKind.ACTION_ADDED,
        audience=Audience.INCIDENT,
        incident=after.number,
        title=item.text,
        text=(item.text,),
        facts=facts,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class GitHubOut:
    """`[github]`: enqueues the posts a command caused; links and closes action items."""

    repository: str
    policy: Policy
    people: PeopleDirectory
    clock: Clock
    public_updates: bool = True
    every_action_item: Collection[Severity] = frozenset()

    async def committed_change(self, uow: UnitOfWork, before: Incident, after: Incident) -> None:
        """Enqueue on the `github` platform what the change published, and the action items
        it added that want an issue (refused on a private incident: its items stay here)."""
        posts = list(public_posts(before, after, self.policy)) if self.public_updates else []
        for item in wanted_issues(before, after, self.every_action_item):
            if after.private:
                if item.issue:
                    raise InvalidCommand(
                        f"#{after.number} is private, so its action items do not go to GitHub. "
                        "Add it without `--issue`."
                    )
                continue
            login = self.people.github_login(item.owner) if item.owner else None
            posts.append(_action_post(after, item, login))
        if posts:
            await uow.enqueue(posts, platform=PLATFORM, now=self.clock.now())


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionItemIssues:
    """An action item's issue: linked once opened, and the item done once it is closed."""

    repository: str
    store: Store
    outbox: OutboxWriter
    on_change: Callable[[], None]
    execute_in: Callable[[UnitOfWork, Incident, c.Command, Person | None], Awaitable[Any]]
    people: PeopleDirectory

    async def linked(self, number: int, item: int, issue: TrackerIssue) -> None:
        """Record the issue on the action item and say so in the incident's channel (once)."""
        async with self.store.transaction() as uow:
            incident = await uow.load(number)
            if incident is None:
                return
            found = next((i for i in incident.action_items if i.number == item), None)
            if found is None or found.issue_url == issue.url:
                return
            updated = with_issue(incident, item, issue.url)
            await uow.save(updated)
            text = f"🔗 Action item {item} is GitHub issue #{issue.number}: {issue.url}"
            message = to_channel(updated, MessageKind.ACTION_ADDED, (text,))
            await self.outbox.enqueue_on(uow, [message], updated.home)
        self.on_change()

    async def issue_event(self, uow: UnitOfWork, body: Mapping[str, Any]) -> list[Event]:
        """An `issues` delivery: a closed issue that is an action item's marks it done."""
        issue = body.get("issue")
        repository = body.get("repository")
        if body.get("action") != "closed" or not isinstance(issue, Mapping):
            return []
        name = repository.get("full_name") if isinstance(repository, Mapping) else None
        if not isinstance(name, str) or name.casefold() != self.repository.casefold():
            return []
        number = issue.get("number")
        if not isinstance(number, int):
            return []
        subject = await uow.tracker_subject(self.repository, number)
        found = parse_action_subject(subject) if subject else None
        if found is None:
            return []
        incident = await uow.load(found[0])
        if incident is None:
            return []
        item = next((i for i in incident.action_items if i.number == found[1]), None)
        if item is None or item.done_at is not None:
            return []
        sender = body.get("sender")
        login = sender.get("login") if isinstance(sender, Mapping) else None
        entry = self.people.by_github(login) if isinstance(login, str) else None
        closer = entry.key if entry is not None else None
        command = c.CompleteActionItem(number=item.number)
        events = await self.execute_in(uow, incident, command, closer)
        return list(events)


def by_github(
    execute_in: Callable[..., Awaitable[tuple[Any, Any]]], platform: Callable[[Incident], str]
) -> Callable[[UnitOfWork, Incident, c.Command, Person | None], Awaitable[Any]]:
    """Run a command from GitHub inside a transaction: as the `[[person]]` whose `github`
    login did it, when they may do it themselves, else as sevbot (the change was made on
    GitHub, whose own permissions allowed it)."""

    async def run(
        uow: UnitOfWork, incident: Incident, command: c.Command, person: Person | None
    ) -> Any:
        where = platform(incident)
        if person is not None:  # done on GitHub: not "from Slack" on a mirrored incident
            context = RequestContext(actor=person, platform=PLATFORM, number=incident.number)
            try:
                _, events = await execute_in(uow, incident, command, context)
                return events
            except Refused:
                pass  # checked before anything is written: run it as sevbot instead
        context = RequestContext(actor=SEVBOT, platform=where, number=incident.number)
        _, events = await execute_in(uow, incident, command, context)
        return events

    return run
