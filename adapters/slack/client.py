"""The Slack Web API client sevbot uses: the configured base URL, a timeout, no hidden retries."""

from __future__ import annotations

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

CALL_TIMEOUT = 5  # seconds per Web API call; the dispatcher bounds a whole delivery at 10 s


def make_client(
    *, token: str, base_url: str, session: aiohttp.ClientSession | None = None
) -> AsyncWebClient:
    """A client on `base_url` (SLACK_API_URL) with a timeout and no hidden retries.

    Retries belong to the outbox, which checks what was already posted before posting again;
    a retry inside the client could post a message twice.
    """
    return AsyncWebClient(
        token=token,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        timeout=CALL_TIMEOUT,
        session=session,
        retry_handlers=[],
    )
