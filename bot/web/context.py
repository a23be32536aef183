"""What the HTTP handlers (health, the command API, pages, feeds, metrics) read, as one value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from bot.config import Settings
from bot.health import HealthCheck
from bot.metrics import Metrics
from bot.oncall.service import OnCallService
from bot.service import IncidentService
from bot.web.auth import Signer
from incidents.people import Person
from incidents.policy import Policy
from incidents.ports import Clock, Store


@dataclass(frozen=True, slots=True, kw_only=True)
class WebContext:
    """The parts of the running application the web side uses; built by the composition root."""

    settings: Settings
    store: Store
    clock: Clock
    policy: Policy
    service: IncidentService
    oncall: OnCallService | None
    metrics: Metrics | None
    signer: Signer | None  # None: the dashboard is off (no SEVBOT_WEB_TOKEN)
    default_platform: str
    platforms: tuple[str, ...]  # the configured chat platforms (the API's `platform` is one)
    api_tokens: dict[str, Person]  # each API token and the identity it acts as
    ready: Callable[[], bool]  # True once the store is open and the scheduler loop runs
    health_check: HealthCheck  # what /healthz answers (bot/health.py)


CONTEXT_KEY = web.AppKey("sevbot", WebContext)


class SignInLinks:
    """One-time sign-in links to the dashboard, for `/incident dashboard`."""

    def __init__(self, *, signer: Signer | None, settings: Settings, clock: Clock) -> None:
        self._signer = signer
        self._base = (settings.public_url or f"http://localhost:{settings.port}").rstrip("/")
        self._clock = clock

    def __call__(self) -> str | None:
        """A link valid once for 10 minutes, or None when the dashboard is off."""
        if self._signer is None:
            return None
        return f"{self._base}/login/link?t={self._signer.link_token(self._clock.now())}"
