"""Builders for the on-call service tests: an app whose settings define rotations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.oncall.service import OnCallService
from bot.service import Outcome
from incidents.messages import Message
from tests.fakes import RecordingChat

ALICE, BOB, CAROL, DANA = "console:alice", "console:bob", "console:carol", "console:dana"
START = date(2026, 11, 30)  # a Monday: alice's first week, then bob's, then carol's
WEDNESDAY = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # in alice's first week
MAINTAINERS: dict[str, Any] = {
    "name": "maintainers",
    "members": [ALICE, BOB, CAROL],
    "start": START,
    "channel": {"console": "#oncall"},
}


async def oncall_app(path: Path, clock: FakeClock, chat: RecordingChat, **extra: Any) -> App:
    """The real application on SQLite with the maintainers rotation (unless `rotation` is given)."""
    fields: dict[str, Any] = {"rotation": [MAINTAINERS], **extra}
    settings = Settings(database_url=f"sqlite:///{path}", **fields)
    return await build_app(settings, clock=clock, chats=[chat])


def service(app: App) -> OnCallService:
    """The app's `/oncall` handler, which rotations in the settings make an OnCallService."""
    assert isinstance(app.oncall, OnCallService)
    return app.oncall


async def oncall(
    app: App, text: str, who: str = "alice", key: str | None = None, channel: str | None = None
) -> Outcome:
    """Run `/oncall …` as `who` and deliver the outbox."""
    outcome = await service(app).handle_text(
        text, actor=f"console:{who}", platform="console", request_key=key, channel_id=channel
    )
    await app.dispatcher.deliver_due()
    return outcome


def dms(chat: RecordingChat, kind: str | None = None) -> dict[str, Message]:
    """Direct messages delivered so far by recipient (the last one each), optionally of a kind."""
    return {
        m.recipient: m
        for m in chat.messages
        if m.audience.value == "direct" and m.recipient and (kind is None or m.kind == kind)
    }


def in_channel(chat: RecordingChat, kind: str) -> list[Message]:
    """Messages of `kind` delivered to an on-call channel."""
    return [m for m in chat.messages if m.audience.value == "oncall" and m.kind == kind]
