"""What a chat platform adapter offers the application beyond delivering outbox items."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from aiohttp import web

from incidents.ports import OutboxItem


@runtime_checkable
class ChatAdapter(Protocol):
    """A chat platform: delivers outbox items, may serve HTTP routes and run a connection."""

    platform: str

    async def deliver(self, item: OutboxItem) -> None:
        """Post one outbox item; idempotent per item id; raise DeliveryError on failure."""
        ...

    def mount(self, web_app: web.Application) -> None:
        """Add HTTP routes (Slack's /slack/events); add none if the platform needs none."""
        ...

    async def run(self) -> None:
        """Keep the platform connection (Socket Mode, the gateway) until cancelled."""
        ...
