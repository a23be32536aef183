"""The GraphQL half of the GitHub stand-in: the discussions sevbot writes.

GitHub's GraphQL API answers at `POST /graphql` ("Forming calls with GraphQL",
https://docs.github.com/en/graphql/guides/forming-calls-with-graphql); a call that reaches it
but fails is still HTTP 200, with `{"data": …, "errors": [{"type": "NOT_FOUND", "path": […],
"message": "Could not resolve to a node with the global id of '…'"}]}` ("Using the GraphQL API
for Discussions", https://docs.github.com/en/graphql/guides/using-the-graphql-api-for-discussions,
and the schema reference of `createDiscussion`, `addDiscussionComment`, `closeDiscussion`,
`Repository.discussions` and `Repository.discussionCategories`, at most 25 per repository).
The stand-in reads which operation a call is from the field it names (sevbot's client sends
the same few documents with variables), not by parsing GraphQL. Titles and bodies are held to
the issues' limits (256 and 65,536 characters): GitHub documents none of its own for them,
so this is the stricter reading.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

CATEGORIES = ("Announcements", "General", "Incidents")
MUTATION = web.RequestKey("mutation", bool)  # a write: the stand-in's faults apply to it
MAX_TITLE = 256
MAX_BODY = 65536


@dataclass
class Discussion:
    """A discussion as GitHub keeps it."""

    id: str
    number: int
    title: str
    body: str
    category: str
    repository: str
    closed: bool = False
    state_reason: str | None = None
    comments: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        """Where people read it."""
        return f"https://github.com/{self.repository}/discussions/{self.number}"

    def node(self) -> dict[str, Any]:
        """The fields sevbot asks for."""
        return {"id": self.id, "number": self.number, "url": self.url, "body": self.body}


def _errors(kind: str, message: str, path: str) -> web.Response:
    return web.json_response(
        {"data": None, "errors": [{"type": kind, "path": [path], "message": message}]}
    )


class Discussions:
    """Each repository's discussions and categories; `answer` is the `/graphql` handler."""

    def __init__(self, repositories: tuple[str, ...]) -> None:
        self.repositories = {f"R_{i}": name for i, name in enumerate(repositories, start=1)}
        self.categories = {f"DIC_{i}": name for i, name in enumerate(CATEGORIES, start=1)}
        self.discussions: list[Discussion] = []

    def of(self, repository: str = "acme/widgets") -> list[Discussion]:
        """The repository's discussions, by number."""
        return [d for d in self.discussions if d.repository == repository]

    def _find(self, node_id: Any) -> Discussion | None:
        return next((d for d in self.discussions if d.id == node_id), None)

    async def answer(self, request: web.Request) -> web.Response:
        """One GraphQL call."""
        try:
            call = json.loads(await request.read())
            query, variables = str(call["query"]), dict(call.get("variables") or {})
        except (ValueError, KeyError, TypeError):
            return web.json_response({"message": "Problems parsing JSON"}, status=400)
        request[MUTATION] = query.lstrip().startswith("mutation")
        for name, handler in (
            ("createDiscussion", self._create),
            ("addDiscussionComment", self._comment),
            ("closeDiscussion", self._close),
            ("reopenDiscussion", self._reopen),
            ("{ closed }", self._closed),
            ("discussionCategories", self._repository),
            ("discussions(", self._list),
            ("comments(", self._comments),
        ):
            if name in query:
                return handler(variables)
        return _errors("INVALID", "the stand-in does not answer this call", "query")

    def _repository(self, variables: dict[str, Any]) -> web.Response:
        name = f"{variables.get('owner')}/{variables.get('name')}"
        ident = next((i for i, n in self.repositories.items() if n == name), None)
        if ident is None:
            message = f"Could not resolve to a Repository with the name '{name}'."
            return _errors("NOT_FOUND", message, "repository")
        nodes = [{"id": i, "name": n} for i, n in self.categories.items()]
        repository = {"id": ident, "discussionCategories": {"nodes": nodes}}
        return web.json_response({"data": {"repository": repository}})

    def _create(self, variables: dict[str, Any]) -> web.Response:
        repository = self.repositories.get(variables.get("repositoryId"))  # type: ignore[arg-type]
        category = self.categories.get(variables.get("categoryId"))  # type: ignore[arg-type]
        title, body = variables.get("title"), variables.get("body")
        if repository is None or category is None:
            return _errors("NOT_FOUND", "Could not resolve to a node", "createDiscussion")
        if not isinstance(title, str) or not isinstance(body, str) or not title:
            return _errors(
                "INVALID", "title and body must be non-empty strings", "createDiscussion"
            )
        if len(title) > MAX_TITLE or len(body) > MAX_BODY:
            return _errors("UNPROCESSABLE", "title or body is too long", "createDiscussion")
        number = len(self.of(repository)) + 1
        discussion = Discussion(
            id=f"D_{len(self.discussions) + 1}",
            number=number,
            title=title,
            body=body,
            category=category,
            repository=repository,
        )
        self.discussions.append(discussion)
        return web.json_response({"data": {"createDiscussion": {"discussion": discussion.node()}}})

    def _comment(self, variables: dict[str, Any]) -> web.Response:
        discussion = self._find(variables.get("discussionId"))
        body = variables.get("body")
        if discussion is None:
            return _errors("NOT_FOUND", "Could not resolve to a node", "addDiscussionComment")
        if not isinstance(body, str) or not body or len(body) > MAX_BODY:
            return _errors("UNPROCESSABLE", "Body is too long or empty", "addDiscussionComment")
        discussion.comments.append(body)
        comment = {"id": f"DC_{len(discussion.comments)}"}
        return web.json_response({"data": {"addDiscussionComment": {"comment": comment}}})

    def _close(self, variables: dict[str, Any]) -> web.Response:
        discussion = self._find(variables.get("discussionId"))
        if discussion is None:
            return _errors("NOT_FOUND", "Could not resolve to a node", "closeDiscussion")
        reason = variables.get("reason", "RESOLVED")
        if reason not in ("RESOLVED", "OUTDATED", "DUPLICATE"):
            return _errors("INVALID", f"{reason!r} is not a DiscussionCloseReason", "reason")
        discussion.closed, discussion.state_reason = True, str(reason)
        return web.json_response({"data": {"closeDiscussion": {"discussion": discussion.node()}}})

    def _closed(self, variables: dict[str, Any]) -> web.Response:
        discussion = self._find(variables.get("id"))
        node = None if discussion is None else {"closed": discussion.closed}
        return web.json_response({"data": {"node": node}})

    def _reopen(self, variables: dict[str, Any]) -> web.Response:
        discussion = self._find(variables.get("discussionId"))
        if discussion is None:
            return _errors("NOT_FOUND", "Could not resolve to a node", "reopenDiscussion")
        if not discussion.closed:  # GitHub does not document this answer; sevbot never asks it
            return _errors("UNPROCESSABLE", "Discussion is not closed", "reopenDiscussion")
        discussion.closed, discussion.state_reason = False, "REOPENED"
        return web.json_response({"data": {"reopenDiscussion": {"discussion": discussion.node()}}})

    def _list(self, variables: dict[str, Any]) -> web.Response:
        name = f"{variables.get('owner')}/{variables.get('name')}"
        category = self.categories.get(variables.get("categoryId"))  # type: ignore[arg-type]
        found = [d.node() for d in reversed(self.of(name)) if d.category == category]
        data = {"repository": {"discussions": {"nodes": found[:50]}}}
        return web.json_response({"data": data})

    def _comments(self, variables: dict[str, Any]) -> web.Response:
        discussion = self._find(variables.get("id"))
        if discussion is None:
            return web.json_response({"data": {"node": None}})
        nodes = [{"body": body} for body in discussion.comments[-100:]]
        return web.json_response({"data": {"node": {"comments": {"nodes": nodes}}}})
