"""Slack Web API failures → the outbox's DeliveryError: retry later, after a while, or never."""

from __future__ import annotations

import asyncio

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from incidents.ports import DeliveryError

# Errors Slack answers with HTTP 200 that still mean "try again later".
TRANSIENT_ERRORS = frozenset(
    {
        "ratelimited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
    }
)
# Errors about the app's token, scopes or workspace, not about the message: every message fails
# the same way until someone fixes the installation, then every one of them should go out. So
# they are retried (with backoff, until the outbox gives up after SEVBOT_OUTBOX_GIVE_UP), not
# given up on at once. Codes from docs.slack.dev/reference/methods/chat.postMessage (Errors).
SETUP_ERRORS = frozenset(
    {
        "not_authed",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "not_allowed_token_type",
        "org_login_required",
        "ekm_access_denied",
        "team_access_not_granted",
        "access_denied",
    }
)


def error_code(error: SlackApiError) -> str:
    """Slack's `error` field (`channel_not_found`, `name_taken`, …), or `http_<status>`."""
    data = error.response.data if error.response is not None else None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return str(data["error"])
    status = error.response.status_code if error.response is not None else 0
    return f"http_{status}"


def _header(error: SlackApiError, name: str) -> str | None:
    headers = error.response.headers if error.response is not None else {}
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return str(value)
    return None


def retry_after(error: SlackApiError) -> float | None:
    """Seconds from the Retry-After header of a 429, if any."""
    value = _header(error, "Retry-After")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


def is_rate_limited(error: SlackApiError) -> bool:
    """A 429, or Slack's `ratelimited` error."""
    status = error.response.status_code if error.response is not None else 0
    return status == 429 or error_code(error) == "ratelimited"


def is_transient(error: BaseException) -> bool:
    """True for what a later retry can fix: rate limits, 5xx, timeouts, broken connections,
    and a token or scope someone has to fix (`SETUP_ERRORS`)."""
    if isinstance(error, SlackApiError):
        status = error.response.status_code if error.response is not None else 0
        code = error_code(error)
        return (
            is_rate_limited(error)
            or status >= 500
            or code in TRANSIENT_ERRORS
            or code in SETUP_ERRORS
        )
    return isinstance(error, SlackClientError | aiohttp.ClientError | TimeoutError | OSError)


def delivery_error(error: BaseException, doing: str) -> DeliveryError:
    """The outbox's view of a failed call: when to retry, or that retrying cannot help."""
    if isinstance(error, DeliveryError):
        return error
    if isinstance(error, SlackApiError):
        code = error_code(error)
        if is_rate_limited(error):
            return DeliveryError(f"{doing}: rate limited (429)", retry_after=retry_after(error))
        if is_transient(error):
            return DeliveryError(f"{doing}: Slack answered {code}")
        return DeliveryError(f"{doing}: {code}", permanent=True)
    if isinstance(error, asyncio.TimeoutError | TimeoutError):
        return DeliveryError(f"{doing}: timed out")
    return DeliveryError(f"{doing}: {type(error).__name__}: {error}")
