"""`[github]` wired: the client, the `github` outbox platform, the hook in each command's
transaction, and the `issues` webhook's handler."""

from __future__ import annotations

from dataclasses import dataclass

from bot.github.backlog import GitHubBacklog
from bot.github.client import GitHubClient
from bot.github.out import ActionItemIssues, GitHubOut, by_github
from bot.github.sink import GitHubSink
from bot.github.threads import DiscussionThreads, IssueThreads, PublicThreads
from bot.github_config import GitHubSettings
from bot.routing import OutboxWriter
from bot.service import IncidentService
from incidents.model import Incident
from incidents.ports import Clock, Store


@dataclass(frozen=True, slots=True)
class GitHubParts:
    """What `[github]` adds to the application."""

    sink: GitHubSink
    out: GitHubOut
    issues: ActionItemIssues
    backlog: GitHubBacklog  # the handoff's open P0/P1 issues and urgent PRs


def build_github(
    settings: GitHubSettings,
    *,
    store: Store,
    clock: Clock,
    service: IncidentService,
    outbox: OutboxWriter,
    status_page: str | None,
) -> GitHubParts:
    """Build the parts and hook them into `service` (its `committed_change`)."""
    client = GitHubClient(
        api_url=settings.api_url, token=settings.token(), repository=settings.repository
    )
    router = outbox.router

    def platform(incident: Incident) -> str:
        return incident.home[0] if incident.home else router.default_platform

    issues = ActionItemIssues(
        repository=settings.repository,
        store=store,
        outbox=outbox,
        on_change=lambda: service.committed(()),
        execute_in=by_github(service.execute_in, platform),
        people=router.people,
    )
    out = GitHubOut(
        repository=settings.repository,
        policy=service.policy,
        people=router.people,
        clock=clock,
        public_updates=settings.public_updates != "off",
        every_action_item=settings.issue_severities(),
    )
    threads: PublicThreads = (
        DiscussionThreads(client, settings.discussion_category or "")
        if settings.public_updates == "discussion"
        else IssueThreads(client)
    )
    sink = GitHubSink(
        client=client,
        store=store,
        status_page=status_page,
        linked=issues.linked,
        threads=threads,
    )
    backlog = GitHubBacklog(
        client,
        issue_labels=settings.handoff_issue_labels,
        pr_labels=settings.handoff_pr_labels,
        clock=clock,
        people=router.people,
    )
    service.committed_change = out.committed_change
    return GitHubParts(sink=sink, out=out, issues=issues, backlog=backlog)
