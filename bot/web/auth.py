"""Dashboard access: server-side sessions, one-time sign-in links, and a failure limiter."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import re
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

SESSION_COOKIE = "sevbot_session"
SESSION_TTL = timedelta(hours=12)
LINK_TTL = timedelta(minutes=10)
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
_LINK_TOKEN = re.compile(r"[0-9]{1,12}\.[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_-]{1,64}")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def secret_matches(given: str, secret: str) -> bool:
    """Constant-time comparison of what a client sent with a secret; any text (non-ASCII, or
    header bytes that were not UTF-8) is simply a mismatch."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), secret.encode())


def _key(token: str, purpose: str) -> bytes:
    """A key per purpose, derived from SEVBOT_WEB_TOKEN (so the token itself never signs)."""
    return hmac.new(token.encode(), purpose.encode(), hashlib.sha256).digest()


def _sign(key: bytes, payload: str) -> str:
    mac = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def new_session_id() -> str:
    """A fresh session id for the cookie: 256 random bits."""
    return secrets.token_urlsafe(32)


def session_key(cookie: str | None) -> str | None:
    """What the store keeps for a session cookie: its SHA-256 (a copy of the database signs
    nobody in). None for anything that is not a session id this server could have made."""
    if not cookie or not _SESSION_ID.fullmatch(cookie):
        return None
    return hashlib.sha256(cookie.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Signer:
    """Checks SEVBOT_WEB_TOKEN, and signs and checks one-time sign-in links with a key derived
    from it."""

    token: str

    def token_matches(self, given: str) -> bool:
        """Constant-time comparison with SEVBOT_WEB_TOKEN."""
        return secret_matches(given, self.token)

    def link_token(self, now: datetime) -> str:
        """A sign-in link token: expiry, a nonce (for one use), a signature."""
        payload = f"{int((now + LINK_TTL).timestamp())}.{secrets.token_urlsafe(12)}"
        return f"{payload}.{_sign(_key(self.token, 'link'), payload)}"

    def link_nonce(self, value: str, now: datetime) -> str | None:
        """The nonce of a valid, unexpired link token (its single use is checked elsewhere)."""
        if not _LINK_TOKEN.fullmatch(value):
            return None
        expires, nonce, mac = value.split(".")
        if not hmac.compare_digest(mac, _sign(_key(self.token, "link"), f"{expires}.{nonce}")):
            return None
        if int(expires) <= now.timestamp():
            return None
        return nonce


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _trusted(address: IPAddress, proxies: Iterable[IPNetwork]) -> bool:
    return any(address in network for network in proxies)


def _ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(
    peer: str | None, forwarded_for: Sequence[str], proxies: Sequence[IPNetwork]
) -> str:
    """Who a request comes from, for rate limiting: the peer address; when the peer is one of
    SEVBOT_TRUSTED_PROXIES, the nearest X-Forwarded-For hop that is not itself a trusted proxy
    (hops further left were written by the client and prove nothing). An IPv6 client counts per
    /64, since one host usually holds a whole /64."""
    address = _ip(peer or "")
    if address is None:
        return peer or "unknown"
    if proxies and _trusted(address, proxies):
        hops = [hop for header in forwarded_for for hop in header.split(",")]
        for hop in reversed(hops):
            parsed = _ip(hop)
            if parsed is None:
                break  # garbage a proxy would not write: trust the last proxy's word only
            address = parsed
            if not _trusted(address, proxies):
                break
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass
class FailureLimiter:
    """At most `limit` wrong tokens per client per `window`; then wait. Remembers at most
    `max_clients` clients (the least recently failing are forgotten first)."""

    limit: int = 5
    window: float = 300.0
    max_clients: int = 10_000
    _failures: OrderedDict[str, deque[float]] = field(default_factory=OrderedDict)

    def _recent(self, client: str) -> deque[float] | None:
        """The client's failures within the window; None (and forgotten) when there are none."""
        failures = self._failures.get(client)
        if failures is None:
            return None
        # Monotonic time: only durations matter here, never the date.
        now = time.monotonic()
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[client]
            return None
        return failures

    def retry_after(self, client: str) -> int:
        """Seconds the client must wait before trying again (0: go ahead)."""
        failures = self._recent(client)
        if failures is None or len(failures) < self.limit:
            return 0
        return max(1, int(failures[0] + self.window - time.monotonic()) + 1)

    def failed(self, client: str) -> None:
        """Count a wrong token."""
        failures = self._recent(client) or deque(maxlen=self.limit)
        failures.append(time.monotonic())
        self._failures[client] = failures
        self._failures.move_to_end(client)
        while len(self._failures) > self.max_clients:
            self._failures.popitem(last=False)

    def tracked(self) -> int:
        """How many clients the limiter remembers."""
        return len(self._failures)
