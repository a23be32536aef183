"""Which of the configured Slack user groups a person is in (`slack-group:S…` in `[access]`).

Slack does not send a user's groups with a command, so the adapter asks the Web API
(`usergroups.users.list`, scope `usergroups:read`) for the members of each group the access
configuration names, and keeps the answer for a few minutes. A group that cannot be read
keeps its last known members, or grants nothing when it was never read, and is logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)
PREFIX = "slack-group:"
TTL_SECONDS = 300.0


class SlackGroups:
    """The configured groups' members, read through the Web API and cached for TTL_SECONDS."""

    def __init__(
        self,
        client: AsyncWebClient,
        names: Iterable[str],
        *,
        ttl: float = TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ids = sorted({name.removeprefix(PREFIX) for name in names if name.startswith(PREFIX)})
        self._ttl = ttl
        self._monotonic = monotonic
        self._members: dict[str, tuple[float, frozenset[str]]] = {}

    async def of(self, user_id: str) -> frozenset[str]:
        """`slack-group:S…` for each configured group `user_id` is a member of."""
        found = set()
        for group in self._ids:
            if user_id in await self._members_of(group):
                found.add(PREFIX + group)
        return frozenset(found)

    async def _members_of(self, group: str) -> frozenset[str]:
        now = self._monotonic()
        cached = self._members.get(group)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        try:
            answer = await self._client.usergroups_users_list(usergroup=group)
            members = frozenset(str(user) for user in answer.get("users") or [])
        except (SlackApiError, aiohttp.ClientError, TimeoutError, OSError) as error:
            log.warning("could not read the members of Slack user group %s: %s", group, error)
            members = cached[1] if cached is not None else frozenset()
            return members  # not cached: the next check asks again
        self._members[group] = (now, members)
        return members
