"""Wiring on-call into the application: from `[[rotation]]` settings to a running service.

`build_app` calls `oncall_from_settings` before it builds the command bus (the rotations are
its page lookup) and `install_oncall` once the App exists: `/oncall` becomes `App.oncall`, the
handoff jobs are registered and seeded, and the rotations' channels go into the Directory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import Settings
from bot.oncall.config import page_map
from bot.oncall.handoff import Handoffs
from bot.oncall.service import OnCallService
from incidents.ports import Clock, Store

if TYPE_CHECKING:
    from bot.bootstrap import App


def oncall_from_settings(settings: Settings, *, store: Store, clock: Clock) -> OnCallService | None:
    """The rotations the settings define, or None when there are none."""
    if not settings.rotation:
        return None
    tokens = {r.name: r.feed_token.get_secret_value() for r in settings.rotation if r.feed_token}
    return OnCallService(
        rotations=[r.to_rotation() for r in settings.rotation],
        page=page_map(settings.rotation, settings.page),
        store=store,
        clock=clock,
        feed_tokens=tokens,
    )


async def install_oncall(app: App, oncall: OnCallService | None) -> None:
    """Make `oncall` part of the running app; nothing when no rotation is configured."""
    if oncall is None:
        return
    oncall.platforms = lambda: list(app.chats) or [app.default_platform]
    oncall.enqueue = app.service.enqueue
    oncall.on_change = app.service.on_change
    app.service.refresh_oncall = oncall.refresh
    app.oncall = oncall
    for rotation in oncall.rotations.values():
        for platform, channel in rotation.channels.items():
            app.directory.oncall_channels[(rotation.name, platform)] = channel
    handoffs = Handoffs(oncall)
    handoffs.register(app.scheduler)
    await handoffs.seed(app.store, app.clock.now())
    await oncall.load()
