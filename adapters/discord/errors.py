"""Discord failures → the outbox's DeliveryError: retry later, after a while, or never."""

from __future__ import annotations

import discord

from incidents.ports import DeliveryError

DEFAULT_RETRY_AFTER = 5.0


def _retry_after(error: discord.HTTPException) -> float:
    """Seconds to wait, from the 429's Retry-After (or X-RateLimit-Reset-After) header."""
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None) or {}
    for value in (headers.get("Retry-After"), headers.get("X-RateLimit-Reset-After")):
        try:
            if value is not None:
                return max(float(value), 0.0)
        except ValueError:
            continue
    return DEFAULT_RETRY_AFTER


def delivery_error(error: BaseException, what: str) -> DeliveryError:
    """Classify a failure: 429 → retry_after; 5xx, 401, timeouts, network → retry; other 4xx
    (403 missing access, 404 unknown channel, 400 invalid body) → never."""
    if isinstance(error, discord.RateLimited):
        return DeliveryError(
            f"{what}: rate limited for {error.retry_after:.1f} s",
            retry_after=error.retry_after,
        )
    if isinstance(error, discord.HTTPException):
        reason = f"{what}: HTTP {error.status} {error.text or ''}".strip()
        if error.status == 429:
            return DeliveryError(reason, retry_after=_retry_after(error))
        if error.status >= 500 or error.status == 401:
            # 401: the bot token is wrong or was reset; every message fails alike until someone
            # fixes it, then all should go out. Retried until SEVBOT_OUTBOX_GIVE_UP.
            return DeliveryError(reason)
        # 403 Missing Access / Permissions, 404 Unknown Channel, 400 invalid body: a retry
        # would fail the same way, so the outbox gives up visibly (`sevbot outbox`).
        return DeliveryError(reason, permanent=True)
    # Network trouble (aiohttp.ClientError, OSError, timeouts) and anything unexpected: retry.
    return DeliveryError(f"{what}: {type(error).__name__}: {error}")
