"""Dashboard access: signed session cookies, one-time sign-in links, and a failure limiter."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

SESSION_COOKIE = "sevbot_session"
SESSION_TTL = timedelta(hours=12)
LINK_TTL = timedelta(minutes=10)


def _key(token: str, purpose: str) -> bytes:
    """A key per purpose, derived from SEVBOT_WEB_TOKEN (so the token itself never signs)."""
    return hmac.new(token.encode(), purpose.encode(), hashlib.sha256).digest()


def _sign(key: bytes, payload: str) -> str:
    mac = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


@dataclass(frozen=True, slots=True)
class Signer:
    """Signs and checks session cookies and sign-in links with keys derived from the token."""

    token: str

    def token_matches(self, given: str) -> bool:
        """Constant-time comparison with SEVBOT_WEB_TOKEN."""
        return hmac.compare_digest(given.encode(), self.token.encode())

    def session(self, now: datetime) -> str:
        """A session cookie value valid for SESSION_TTL."""
        payload = str(int((now + SESSION_TTL).timestamp()))
        return f"{payload}.{_sign(_key(self.token, 'session'), payload)}"

    def session_valid(self, value: str | None, now: datetime) -> bool:
        """True for an unexpired cookie this server signed."""
        if not value or "." not in value:
            return False
        payload, mac = value.rsplit(".", 1)
        if not hmac.compare_digest(mac, _sign(_key(self.token, "session"), payload)):
            return False
        return payload.isdigit() and int(payload) > now.timestamp()

    def link_token(self, now: datetime) -> str:
        """A sign-in link token: expiry, a nonce (for one use), a signature."""
        payload = f"{int((now + LINK_TTL).timestamp())}.{secrets.token_urlsafe(12)}"
        return f"{payload}.{_sign(_key(self.token, 'link'), payload)}"

    def link_nonce(self, value: str, now: datetime) -> str | None:
        """The nonce of a valid, unexpired link token (its single use is checked elsewhere)."""
        parts = value.split(".")
        if len(parts) != 3:
            return None
        expires, nonce, mac = parts
        if not hmac.compare_digest(mac, _sign(_key(self.token, "link"), f"{expires}.{nonce}")):
            return None
        if not expires.isdigit() or int(expires) <= now.timestamp():
            return None
        return nonce


@dataclass
class FailureLimiter:
    """At most `limit` wrong tokens per client per `window`; then wait."""

    limit: int = 5
    window: float = 300.0
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, client: str) -> deque[float]:
        # Monotonic time: only durations matter here, never the date.
        now = time.monotonic()
        failures = self._failures.setdefault(client, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def retry_after(self, client: str) -> int:
        """Seconds the client must wait before trying again (0: go ahead)."""
        failures = self._recent(client)
        if len(failures) < self.limit:
            return 0
        return max(1, int(failures[0] + self.window - time.monotonic()) + 1)

    def failed(self, client: str) -> None:
        """Count a wrong token."""
        self._recent(client).append(time.monotonic())
