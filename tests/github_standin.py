"""A GitHub stand-in for the tests: the REST endpoints of issues sevbot uses, on 127.0.0.1.

It keeps what GitHub keeps (each repository's issues, numbered from 1, their comments, labels,
assignees and state) and refuses what GitHub refuses, in GitHub's error shapes. Each limit is
written once, in `LIMITS`, with where it is written down:

| limit | GitHub's answer | where |
|---|---|---|
| no or a wrong token | 401 `{"message": "Bad credentials", "documentation_url": …}` | "Troubleshooting the REST API" (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api) |
| an unknown repository (or one the token cannot see) | 404 `{"message": "Not Found", …}` | the same page ("404 Not Found for an existing resource") |
| an issue title over 256 characters | 422 Validation Failed, `{"resource": "Issue", "code": "custom", "field": "title", "message": "title is too long (maximum is 256 characters)"}` | the answer quoted in googleapis/repo-automation-bots#1895, DavyJonesLocker/party_foul#122 |
| an issue body over 65,536 characters | 422, `{"resource": "Issue", "code": "custom", "field": "body", "message": "body is too long (maximum is 65536 characters)"}` | renovatebot/renovate#2032, JasonEtco/create-an-issue#123 |
| a comment over 65,536 characters | 422, `{"resource": "IssueComment", "code": "unprocessable", "field": "data", "message": "Body is too long (maximum is 65536 characters)"}` | jmikedupont2/ai-ticket#51 (the full answer, with `documentation_url`), danger/danger#424 |
| an assignee who cannot be assigned (not a collaborator, no such login) | 422 Validation Failed, `{"value": "felangel", "resource": "Issue", "field": "assignees", "code": "invalid"}` | the answer quoted in JasonEtco/create-an-issue#41, trstringer/manual-approval#71 |
| a field of the wrong type (labels not a list of strings…) | 422 `{"message": "Invalid request.\\n\\nFor 'properties/labels', 1 is not a string.", …}` | the REST API's JSON-schema validation ("Troubleshooting the REST API": 422 for invalid input) |
| discussions (GraphQL: `createDiscussion`, `addDiscussionComment`, `closeDiscussion`) | see tests/github_graphql.py | |
| a secondary rate limit | 403 (or 429) `{"message": "You have exceeded a secondary rate limit…"}` with `retry-after` | "Rate limits for the REST API" (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api): "403 or 429 … retry-after" |

Faults the tests switch on: `rate_limited` (the next N requests answer the secondary rate
limit), `fail_after_write` (the next N writes are done, then answered 502, as a proxy that
lost GitHub's answer), `drop_after_write` (done, then the connection is dropped).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.github_graphql import MUTATION, Discussions

TOKEN = "gh-standin-token"
DOCS = "https://docs.github.com/rest"
LIMITS = {"title": 256, "body": 65536, "comment": 65536}
"""GitHub's limits, in characters: see the table above for where each is written."""
RETRY_AFTER = 1  # seconds, in the secondary rate limit's answer


@dataclass
class Comment:
    """An issue comment."""

    id: int
    body: str


@dataclass
class Issue:
    """An issue as GitHub keeps it."""

    number: int
    title: str
    body: str
    labels: list[str]
    assignees: list[str]
    repository: str
    state: str = "open"
    state_reason: str | None = None
    comments: list[Comment] = field(default_factory=list)
    created_at: str = "2026-01-05T08:00:00Z"
    pull_request: bool = False  # GitHub's issues list holds pull requests too

    @property
    def html_url(self) -> str:
        """Where people read it."""
        kind = "pull" if self.pull_request else "issues"
        return f"https://github.com/{self.repository}/{kind}/{self.number}"

    def json(self, base: str) -> dict[str, Any]:
        """The issue object of GitHub's REST API (the fields sevbot and the tests read)."""
        return {
            "id": 1000 + self.number,
            "number": self.number,
            "title": self.title,
            "body": self.body,
            "state": self.state,
            "state_reason": self.state_reason,
            "labels": [{"name": name} for name in self.labels],
            "assignees": [{"login": login} for login in self.assignees],
            "comments": len(self.comments),
            "html_url": self.html_url,
            "url": f"{base}/repos/{self.repository}/issues/{self.number}",
            "created_at": self.created_at,
        } | ({"pull_request": {"html_url": self.html_url}} if self.pull_request else {})


def _error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response(
        {"message": message, **extra, "documentation_url": DOCS}, status=status
    )


def _invalid(resource: str, field_name: str, message: str, code: str = "custom") -> web.Response:
    errors = [{"resource": resource, "code": code, "field": field_name, "message": message}]
    return _error(422, "Validation Failed", errors=errors)


def _wrong_type(body: dict[str, Any], strings: tuple[str, ...], lists: tuple[str, ...]) -> str:
    """GitHub's schema refusal of the first field of the wrong type, or ""."""
    for name in strings:
        if name in body and body[name] is not None and not isinstance(body[name], str):
            return f"Invalid request.\n\nFor 'properties/{name}', {body[name]!r} is not a string."
    for name in lists:
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, list):
            return f"Invalid request.\n\nFor 'properties/{name}', {value!r} is not an array."
        for item in value:
            if not isinstance(item, str):
                return f"Invalid request.\n\nFor 'items', {item!r} is not a string."
    return ""


class GitHubStandIn:
    """The stand-in: `url` is its API root (`[github] api_url`)."""

    def __init__(self, *, repositories: tuple[str, ...] = ("acme/widgets",), token: str = TOKEN):
        self.token = token
        self.issues: dict[str, list[Issue]] = {name: [] for name in repositories}
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request
        # Logins that may be assigned (collaborators); None: anyone.
        self.assignable: set[str] | None = None
        self.rate_limited = 0
        self.rate_limit_status = 403
        self.fail_after_write = 0
        self.drop_after_write = 0
        self.url = ""
        self._runner: web.AppRunner | None = None
        self.graphql = Discussions(repositories)

    def app(self) -> web.Application:
        """The aiohttp application."""
        app = web.Application(middlewares=[self._gate])
        base = "/repos/{owner}/{repo}/issues"
        app.router.add_post(base, self._create_issue)
        app.router.add_get(base, self._list_issues)
        app.router.add_patch(base + "/{number}", self._update_issue)
        app.router.add_get(base + "/{number}", self._get_issue)
        app.router.add_post(base + "/{number}/comments", self._create_comment)
        app.router.add_get(base + "/{number}/comments", self._list_comments)
        app.router.add_post("/graphql", self.graphql.answer)
        return app

    async def start(self) -> str:
        """Serve on a free port of 127.0.0.1; returns the API root."""
        self._runner = web.AppRunner(self.app())
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # aiohttp keeps the socket here
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()

    def add(
        self,
        title: str,
        *,
        labels: list[str],
        assignees: list[str] | None = None,
        created_at: str = "2026-01-05T08:00:00Z",
        pull_request: bool = False,
        repository: str = "acme/widgets",
    ) -> Issue:
        """An issue (or pull request) people opened on GitHub."""
        issues = self.issues[repository]
        issue = Issue(
            number=len(issues) + 1,
            title=title,
            body="",
            labels=labels,
            assignees=assignees or [],
            repository=repository,
            created_at=created_at,
            pull_request=pull_request,
        )
        issues.append(issue)
        return issue

    def all_issues(self, repository: str = "acme/widgets") -> list[Issue]:
        """The repository's issues, by number."""
        return list(self.issues[repository])

    @web.middleware
    async def _gate(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        if request.headers.get("Authorization", "") not in (
            f"Bearer {self.token}",
            f"token {self.token}",
        ):
            return _error(401, "Bad credentials")
        if self.rate_limited > 0:
            self.rate_limited -= 1
            return web.json_response(
                {
                    "message": "You have exceeded a secondary rate limit. Please wait a few "
                    "minutes before you try again.",
                    "documentation_url": DOCS,
                },
                status=self.rate_limit_status,
                headers={"retry-after": str(RETRY_AFTER)},
            )
        repository = f"{request.match_info.get('owner')}/{request.match_info.get('repo')}"
        if request.path != "/graphql" and repository not in self.issues:
            return _error(404, "Not Found")
        response = await handler(request)
        wrote = request.get(MUTATION, request.path != "/graphql")
        if request.method in ("POST", "PATCH") and wrote and response.status < 300:
            if self.drop_after_write > 0:
                self.drop_after_write -= 1
                if request.transport is not None:
                    request.transport.close()  # the answer never leaves
            if self.fail_after_write > 0:
                self.fail_after_write -= 1
                return web.Response(status=502, text="Bad Gateway")
        return response

    def _repository(self, request: web.Request) -> str:
        return f"{request.match_info['owner']}/{request.match_info['repo']}"

    def _issue(self, request: web.Request) -> Issue | None:
        try:
            number = int(request.match_info["number"])
        except ValueError:
            return None
        found = [i for i in self.issues[self._repository(request)] if i.number == number]
        return found[0] if found else None

    async def _json(self, request: web.Request) -> dict[str, Any] | web.Response:
        try:
            body = json.loads(await request.read() or b"{}")
        except ValueError:
            return _error(400, "Problems parsing JSON")
        if not isinstance(body, dict):
            return _error(400, "Problems parsing JSON")
        return body

    async def _create_issue(self, request: web.Request) -> web.Response:
        body = await self._json(request)
        if isinstance(body, web.Response):
            return body
        wrong = _wrong_type(body, ("title", "body"), ("labels", "assignees"))
        if wrong:
            return _error(422, wrong)
        title = body.get("title")
        if not title:
            return _invalid("Issue", "title", "missing", code="missing_field")
        if len(title) > LIMITS["title"]:
            return _invalid("Issue", "title", "title is too long (maximum is 256 characters)")
        text = body.get("body") or ""
        if len(text) > LIMITS["body"]:
            return _invalid("Issue", "body", "body is too long (maximum is 65536 characters)")
        unassignable = [
            login
            for login in body.get("assignees") or []
            if self.assignable is not None and login not in self.assignable
        ]
        if unassignable:
            errors = [
                {"value": login, "resource": "Issue", "field": "assignees", "code": "invalid"}
                for login in unassignable
            ]
            return _error(422, "Validation Failed", errors=errors)
        repository = self._repository(request)
        issues = self.issues[repository]
        issue = Issue(
            number=len(issues) + 1,
            title=title,
            body=text,
            labels=list(body.get("labels") or []),
            assignees=list(body.get("assignees") or []),
            repository=repository,
        )
        issues.append(issue)
        return web.json_response(issue.json(self.url), status=201)

    async def _list_issues(self, request: web.Request) -> web.Response:
        state = request.query.get("state", "open")
        labels = [name for name in request.query.get("labels", "").split(",") if name]
        found = [
            issue
            for issue in reversed(self.issues[self._repository(request)])  # newest first
            if (state == "all" or issue.state == state)
            and all(name in issue.labels for name in labels)
        ]
        if request.query.get("direction") == "asc":  # sort=created (the default sort)
            found.reverse()
        per_page = min(int(request.query.get("per_page", "30")), 100)
        return web.json_response([issue.json(self.url) for issue in found[:per_page]])

    async def _get_issue(self, request: web.Request) -> web.Response:
        issue = self._issue(request)
        if issue is None:
            return _error(404, "Not Found")
        return web.json_response(issue.json(self.url))

    async def _issue_and_body(
        self, request: web.Request
    ) -> tuple[Issue, dict[str, Any]] | web.Response:
        """The issue the path names and the request's JSON body, else GitHub's refusal."""
        issue = self._issue(request)
        if issue is None:
            return _error(404, "Not Found")
        body = await self._json(request)
        if isinstance(body, web.Response):
            return body
        return issue, body

    async def _update_issue(self, request: web.Request) -> web.Response:
        found = await self._issue_and_body(request)
        if isinstance(found, web.Response):
            return found
        issue, body = found
        wrong = _wrong_type(body, ("title", "body", "state", "state_reason"), ("labels",))
        if wrong:
            return _error(422, wrong)
        state = body.get("state")
        if state is not None and state not in ("open", "closed"):
            return _invalid("Issue", "state", f"{state} is not a valid state", code="invalid")
        if state is not None:
            was = issue.state
            issue.state = state
            issue.state_reason = body.get("state_reason") or (
                "completed" if state == "closed" else "reopened" if was == "closed" else None
            )
        return web.json_response(issue.json(self.url))

    async def _create_comment(self, request: web.Request) -> web.Response:
        found = await self._issue_and_body(request)
        if isinstance(found, web.Response):
            return found
        issue, body = found
        wrong = _wrong_type(body, ("body",), ())
        if wrong:
            return _error(422, wrong)
        text = body.get("body")
        if not text:
            return _invalid("IssueComment", "body", "missing", code="missing_field")
        if len(text) > LIMITS["comment"]:
            return _invalid(
                "IssueComment",
                "data",
                "Body is too long (maximum is 65536 characters)",
                code="unprocessable",
            )
        comment = Comment(id=5000 + sum(len(i.comments) for i in self.all_issues()), body=text)
        issue.comments.append(comment)
        return web.json_response({"id": comment.id, "body": text}, status=201)

    async def _list_comments(self, request: web.Request) -> web.Response:
        # `since` is taken and not applied: the stand-in keeps no times (the tests' clocks are
        # fake); every comment is listed, as GitHub lists those updated since then.
        issue = self._issue(request)
        if issue is None:
            return _error(404, "Not Found")
        return web.json_response([{"id": c.id, "body": c.body} for c in issue.comments])


@contextmanager
def standin_in_thread(standin: GitHubStandIn) -> Iterator[GitHubStandIn]:
    """Serve `standin` on its own event loop in a thread (for a `sevbot run` subprocess)."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(standin.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield standin
    finally:
        asyncio.run_coroutine_threadsafe(standin.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
