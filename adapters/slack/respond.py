"""A POST to an interaction's response_url, on the adapter's one aiohttp session.

What slack_sdk's `AsyncWebhookClient.send_dict` does with a session it is given (the same
JSON body and headers; one more try, after its backoff, when the connection was dropped or
reset: the handler it installs by default), without building a client, a retry state and
request and response records per reply: about 40 µs of CPU per answer to a slash command
(issue 20). Without a session it is slack_sdk's client, which then makes one per call.
"""

from __future__ import annotations

import asyncio
import functools
import json
from typing import Any

import aiohttp
from slack_sdk.http_retry.handler import default_interval_calculator
from slack_sdk.web.internal_utils import get_user_agent
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.client import CALL_TIMEOUT

# What slack_sdk's default retry handler for webhooks retries (AsyncConnectionErrorRetryHandler:
# ServerConnectionError, its ServerDisconnectedError, and ClientOSError), once.
_RETRIED = (aiohttp.ServerConnectionError, aiohttp.ClientOSError)


@functools.cache
def _headers() -> dict[str, str]:
    """slack_sdk's headers for a webhook post (its User-Agent names Python, slack_sdk, OS)."""
    return {"Content-Type": "application/json;charset=utf-8", "User-Agent": get_user_agent()}


async def post_response(
    session: aiohttp.ClientSession | None, url: str, body: dict[str, Any]
) -> tuple[int, str]:
    """POST `body` (its None values left out, as slack_sdk does) as JSON to `url`: the HTTP
    status and the response's text. Raises what aiohttp raises once the retry failed too."""
    if session is None or session.closed:
        answer = await AsyncWebhookClient(url, timeout=CALL_TIMEOUT, session=session).send_dict(
            body
        )
        return answer.status_code, answer.body
    data = json.dumps({key: value for key, value in body.items() if value is not None})
    for attempt in range(2):
        try:
            async with session.post(url, data=data, headers=_headers()) as response:
                return response.status, await response.text()
        except _RETRIED:
            if attempt:
                raise
            await asyncio.sleep(default_interval_calculator.calculate_sleep_duration(0))
    raise AssertionError("unreachable")  # pragma: no cover -- the loop returns or raises
