"""Where a public incident's posts go on GitHub: an issue (REST) or a discussion in a category
(GraphQL, `public_updates = "discussion"`), behind one small interface for the sink."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from incidents.ports import DeliveryError, TrackerIssue

if TYPE_CHECKING:
    from bot.github.client import GitHubClient

INCIDENT_LABEL = "incident"


class PublicThreads(Protocol):
    """A thread per public incident: opened once, commented on, closed on resolution."""

    kind: str  # what its store subject starts with: `incident` (issues), `discussion`

    async def find(self, marker: str) -> TrackerIssue | None:
        """The thread whose body holds `marker`, if GitHub has one."""
        ...

    async def open(self, title: str, body: str) -> TrackerIssue:
        """Open a thread."""
        ...

    async def has_comment(self, thread: TrackerIssue, marker: str, since: datetime) -> bool:
        """Whether a comment since `since` holds `marker`."""
        ...

    async def comment(self, thread: TrackerIssue, body: str) -> None:
        """Comment on the thread."""
        ...

    async def close(self, thread: TrackerIssue) -> None:
        """Close the thread (resolved)."""
        ...

    async def reopen(self, thread: TrackerIssue) -> None:
        """Reopen the thread (the incident was reopened); an open one stays open."""
        ...


class IssueThreads:
    """A GitHub issue per incident, labelled `incident`."""

    kind = "incident"

    def __init__(self, client: GitHubClient) -> None:
        self._client = client

    async def find(self, marker: str) -> TrackerIssue | None:
        """The issue labelled `incident` whose body holds `marker`."""
        return await self._client.find_issue(marker, INCIDENT_LABEL)

    async def open(self, title: str, body: str) -> TrackerIssue:
        """Open the issue."""
        return await self._client.create_issue(
            title=title, body=body, labels=[INCIDENT_LABEL], assignees=[]
        )

    async def has_comment(self, thread: TrackerIssue, marker: str, since: datetime) -> bool:
        """Whether a comment holds `marker`."""
        return await self._client.has_comment(thread.number, marker, since)

    async def comment(self, thread: TrackerIssue, body: str) -> None:
        """Comment on the issue."""
        await self._client.comment(thread.number, body)

    async def close(self, thread: TrackerIssue) -> None:
        """Close the issue as completed."""
        await self._client.close_issue(thread.number)

    async def reopen(self, thread: TrackerIssue) -> None:
        """Reopen the issue."""
        await self._client.reopen_issue(thread.number)


_IDS = """query($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) { id discussionCategories(first: 25) { nodes { id name } } }
}"""
_CREATE = """mutation($repositoryId: ID!, $categoryId: ID!, $title: String!, $body: String!) {
  createDiscussion(input: {repositoryId: $repositoryId, categoryId: $categoryId, title: $title, body: $body}) {
    discussion { id number url }
  }
}"""
_COMMENT = """mutation($discussionId: ID!, $body: String!) {
  addDiscussionComment(input: {discussionId: $discussionId, body: $body}) { comment { id } }
}"""
_CLOSE = """mutation($discussionId: ID!, $reason: DiscussionCloseReason) {
  closeDiscussion(input: {discussionId: $discussionId, reason: $reason}) { discussion { id } }
}"""
_REOPEN = """mutation($discussionId: ID!) {
  reopenDiscussion(input: {discussionId: $discussionId}) { discussion { id } }
}"""
_CLOSED = """query($id: ID!) { node(id: $id) { ... on Discussion { closed } } }"""
_LIST = """query($owner: String!, $name: String!, $categoryId: ID) {
  repository(owner: $owner, name: $name) {
    discussions(first: 50, categoryId: $categoryId, orderBy: {field: CREATED_AT, direction: DESC}) {
      nodes { id number url body }
    }
  }
}"""
_COMMENTS = """query($id: ID!) {
  node(id: $id) { ... on Discussion { comments(last: 100) { nodes { body } } } }
}"""


class DiscussionThreads:
    """A GitHub discussion per incident, in the configured category (GraphQL)."""

    kind = "discussion"

    def __init__(self, client: GitHubClient, category: str) -> None:
        self._client = client
        self._category = category
        self._ids: tuple[str, str] | None = None  # (repository id, category id)

    def _names(self) -> dict[str, str]:
        owner, _, name = self._client.repository.partition("/")
        return {"owner": owner, "name": name}

    async def _repository_ids(self) -> tuple[str, str]:
        if self._ids is None:
            data = await self._client.graphql(_IDS, self._names())
            repository = data.get("repository") or {}
            nodes = (repository.get("discussionCategories") or {}).get("nodes") or []
            wanted = self._category.casefold()
            found = [n["id"] for n in nodes if str(n.get("name", "")).casefold() == wanted]
            if not found:
                names = ", ".join(str(n.get("name")) for n in nodes) or "none"
                raise DeliveryError(
                    f"{self._client.repository} has no discussion category `{self._category}` "
                    f"(it has: {names}); create it or set [github] discussion_category",
                    permanent=True,
                )
            self._ids = (str(repository["id"]), str(found[0]))
        return self._ids

    @staticmethod
    def _thread(node: dict[str, object]) -> TrackerIssue:
        return TrackerIssue(int(str(node["number"])), str(node["url"]), str(node["id"]))

    async def find(self, marker: str) -> TrackerIssue | None:
        """The newest 50 discussions of the category: the one whose body holds `marker`."""
        _, category = await self._repository_ids()
        data = await self._client.graphql(_LIST, {**self._names(), "categoryId": category})
        nodes = ((data.get("repository") or {}).get("discussions") or {}).get("nodes") or []
        found = [n for n in nodes if marker in str(n.get("body") or "")]
        return self._thread(found[0]) if found else None

    async def open(self, title: str, body: str) -> TrackerIssue:
        """Create the discussion in the category."""
        repository, category = await self._repository_ids()
        variables = {"repositoryId": repository, "categoryId": category, "title": title}
        data = await self._client.graphql(_CREATE, {**variables, "body": body})
        return self._thread(data["createDiscussion"]["discussion"])

    async def has_comment(self, thread: TrackerIssue, marker: str, since: datetime) -> bool:
        """Whether one of the last 100 comments holds `marker`."""
        data = await self._client.graphql(_COMMENTS, {"id": thread.node_id})
        nodes = ((data.get("node") or {}).get("comments") or {}).get("nodes") or []
        return any(marker in str(n.get("body") or "") for n in nodes)

    async def comment(self, thread: TrackerIssue, body: str) -> None:
        """Comment on the discussion."""
        await self._client.graphql(_COMMENT, {"discussionId": thread.node_id, "body": body})

    async def close(self, thread: TrackerIssue) -> None:
        """Close the discussion as resolved."""
        await self._client.graphql(_CLOSE, {"discussionId": thread.node_id, "reason": "RESOLVED"})

    async def reopen(self, thread: TrackerIssue) -> None:
        """Reopen the discussion if it is closed (GitHub's answer to reopening an open one is
        not documented, so it is not asked)."""
        data = await self._client.graphql(_CLOSED, {"id": thread.node_id})
        if (data.get("node") or {}).get("closed"):
            await self._client.graphql(_REOPEN, {"discussionId": thread.node_id})
