"""A small client of GitHub's REST API for issues: create, find by a marker, comment, close.

Every call has a timeout. What GitHub answers becomes a `DeliveryError` the outbox
understands: a rate limit (403 or 429 with `retry-after`, or `x-ratelimit-remaining: 0`;
"Rate limits for the REST API") waits without counting as a failure; a 5xx or a dropped
connection is retried; 401, 404 and 422 are permanent (a retry would be refused the same way).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import aiohttp

from incidents.ports import DeliveryError, TrackerIssue

log = logging.getLogger(__name__)
TIMEOUT = 10.0
API_VERSION = "2022-11-28"
PERMANENT = frozenset({400, 401, 404, 410, 422})


class GitHubRefused(DeliveryError):
    """A permanent refusal (4xx); `fields`: the fields GitHub's 422 names (`assignees`)."""

    def __init__(self, reason: str, *, status: int, fields: tuple[str, ...] = ()) -> None:
        super().__init__(reason, permanent=True)
        self.status = status
        self.fields = fields


def _fields(answer: Any) -> tuple[str, ...]:
    errors = answer.get("errors") if isinstance(answer, dict) else None
    return tuple(str(error.get("field")) for error in errors or () if isinstance(error, dict))


def _reason(status: int, answer: Any) -> str:
    if isinstance(answer, dict):
        message = str(answer.get("message", ""))
        errors = answer.get("errors") or []
        said = "; ".join(str(e.get("message", e)) for e in errors if isinstance(e, dict))
        return f"GitHub answered {status}: {message}" + (f" ({said})" if said else "")
    return f"GitHub answered {status}"


class GitHubClient:
    """Issues of one repository, with one token."""

    def __init__(self, *, api_url: str, token: str, repository: str, timeout: float = TIMEOUT):
        self.api_url = api_url.rstrip("/")
        self.repository = repository
        self._token = token
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the connection pool."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def graphql_url(self) -> str:
        """GraphQL's endpoint: `https://api.github.com/graphql`; on GitHub Enterprise Server
        (`https://<host>/api/v3`) `https://<host>/api/graphql`."""
        if self.api_url.endswith("/api/v3"):
            return self.api_url.removesuffix("/v3") + "/graphql"
        return self.api_url + "/graphql"

    async def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """One GraphQL call's `data`. Its `errors` (GitHub answers them with HTTP 200) are a
        `DeliveryError`: `RATE_LIMITED` waits, the others are permanent."""
        body = {"query": query, "variables": variables}
        answer = await self._call("POST", "", body, url=self.graphql_url)
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if errors:
            said = "; ".join(f"{e.get('type', '')} {e.get('message', '')}".strip() for e in errors)
            if any(e.get("type") == "RATE_LIMITED" for e in errors):
                raise DeliveryError(f"GitHub GraphQL: {said}", retry_after=60.0)
            raise DeliveryError(f"GitHub GraphQL: {said}", permanent=True)
        if not isinstance(answer, dict) or not isinstance(answer.get("data"), dict):
            raise DeliveryError("GitHub GraphQL answered without data")
        return dict(answer["data"])

    async def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict[str, str] | None = None,
        *,
        url: str | None = None,
    ) -> Any:
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=self._timeout)
            self._session = aiohttp.ClientSession(timeout=timeout)
        url = url or f"{self.api_url}/repos/{self.repository}{path}"
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "sevbot",
        }
        try:
            async with self._session.request(
                method, url, json=body, params=params, headers=headers
            ) as response:
                try:
                    answer = await response.json(content_type=None)
                except ValueError:
                    answer = None
                status = response.status
                retry_after = response.headers.get("retry-after")
                remaining = response.headers.get("x-ratelimit-remaining")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryError(f"GitHub did not answer: {type(error).__name__} {error}") from None
        if status < 300:
            return answer
        if status in (403, 429) and (retry_after is not None or remaining == "0"):
            wait = float(retry_after) if retry_after and retry_after.isdigit() else 60.0
            raise DeliveryError(_reason(status, answer), retry_after=wait)
        if status in PERMANENT:
            raise GitHubRefused(_reason(status, answer), status=status, fields=_fields(answer))
        raise DeliveryError(_reason(status, answer))

    async def create_issue(
        self, *, title: str, body: str, labels: list[str], assignees: list[str]
    ) -> TrackerIssue:
        """Open an issue; returns its number and address."""
        answer = await self._call(
            "POST",
            "/issues",
            {"title": title, "body": body, "labels": labels, "assignees": assignees},
        )
        return TrackerIssue(int(answer["number"]), str(answer["html_url"]))

    async def find_issue(self, marker: str, label: str) -> TrackerIssue | None:
        """The newest issue with `label` whose body holds `marker`, open or closed."""
        params = {"state": "all", "labels": label, "per_page": "100"}
        for issue in await self._call("GET", "/issues", params=params) or ():
            if marker in str(issue.get("body") or ""):
                return TrackerIssue(int(issue["number"]), str(issue["html_url"]))
        return None

    async def open_labelled(self, label: str, limit: int = 100) -> list[dict[str, Any]]:
        """The open issues and pull requests labelled `label`, oldest first (at most `limit`;
        GitHub's issues list holds pull requests too, each with a `pull_request` key)."""
        params = {
            "state": "open",
            "labels": label,
            "sort": "created",
            "direction": "asc",
            "per_page": str(min(limit, 100)),
        }
        answer = await self._call("GET", "/issues", params=params)
        if not isinstance(answer, list):
            raise DeliveryError("GitHub answered the issues list with something else")
        return [item for item in answer if isinstance(item, dict)]

    async def has_comment(self, number: int, marker: str, since: datetime) -> bool:
        """Whether a comment on issue `number` made since `since` holds `marker` (the first
        100 of them are read)."""
        params = {"per_page": "100", "since": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        comments = await self._call("GET", f"/issues/{number}/comments", params=params) or ()
        return any(marker in str(comment.get("body") or "") for comment in comments)

    async def comment(self, number: int, body: str) -> None:
        """Comment on issue `number`."""
        await self._call("POST", f"/issues/{number}/comments", {"body": body})

    async def reopen_issue(self, number: int) -> None:
        """Reopen issue `number` (GitHub leaves an open one as it is)."""
        await self._call("PATCH", f"/issues/{number}", {"state": "open"})

    async def close_issue(self, number: int) -> None:
        """Close issue `number` as completed."""
        await self._call(
            "PATCH", f"/issues/{number}", {"state": "closed", "state_reason": "completed"}
        )
