"""Who may edit a rotation (issue 14): members their own shifts, others need that person or an
admin; undoing an edit is for its author or an admin; every edit and refusal is audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.bootstrap import App
from bot.clock import FakeClock
from bot.config import AccessSettings
from incidents.access import AuditEntry
from tests.fakes import RecordingChat
from tests.service.oncall_helpers import WEDNESDAY, oncall, oncall_app


@pytest.fixture
def clock() -> FakeClock:
    """Wednesday 2 Dec 2026 14:00 UTC, in alice's first week (bob's is next, then carol's)."""
    return FakeClock(WEDNESDAY)


@pytest.fixture
async def app(tmp_path: Path, clock: FakeClock, chat: RecordingChat) -> AsyncIterator[App]:
    """The maintainers rotation (alice, bob, carol); root is an admin."""
    built = await oncall_app(
        tmp_path / "oncall.db", clock, chat, access=AccessSettings(admins=["console:root"])
    )
    try:
        yield built
    finally:
        await built.close()


async def audited(app: App) -> list[AuditEntry]:
    async with app.store.transaction() as uow:
        entries = await uow.audit_since(app.clock.now() - timedelta(days=1), 50)
    return [e for e in reversed(entries) if e.rotation is not None]


async def test_putting_someone_else_on_call_in_another_persons_week_is_refused(
    app: App,
) -> None:
    """Carol may not hand alice's days to dana; alice may; an admin may; each is audited."""
    refused = await oncall(app, "/oncall override @dana 2026-12-03", who="carol")
    assert not refused.ok
    assert "Those days are not all yours" in refused.reply_text
    assert refused.reply_text.endswith("(or an admin).")
    assert (await oncall(app, "/oncall override @dana 2026-12-03", who="alice")).ok
    assert (await oncall(app, "/oncall override @carol 2026-12-04", who="root")).ok
    assert [(e.actor, e.action, e.allowed, e.reason) for e in await audited(app)] == [
        ("console:carol", "oncall override", False, refused.reply_text),
        ("console:alice", "oncall override", True, "their own shifts"),
        ("console:root", "oncall override", True, "admin"),
    ]


async def test_a_member_may_put_themselves_on_call_a_stranger_may_not(app: App) -> None:
    """An override naming oneself: any member; someone outside the rotation is refused."""
    assert (await oncall(app, "/oncall override @carol 2026-12-03", who="carol")).ok
    stranger = await oncall(app, "/oncall override @eve 2026-12-03", who="eve")
    assert not stranger.ok
    assert stranger.reply_text == (
        "Only members of maintainers can put themselves on call in it (or an admin)."
    )


async def test_a_swap_between_two_others_needs_one_of_them_or_an_admin(app: App) -> None:
    """Carol cannot trade alice's and bob's weeks; bob can; so can an admin."""
    text = "/oncall swap @alice 2026-12-03 2026-12-08"
    refused = await oncall(app, text, who="carol")
    assert not refused.ok
    assert "Only @alice or @bob, whose shifts these are, can swap them" in refused.reply_text
    assert (await oncall(app, text, who="bob")).ok


async def test_only_the_author_or_an_admin_undoes_an_edit(app: App) -> None:
    """Bob cannot undo alice's override; root (an admin) can."""
    assert (await oncall(app, "/oncall override @dana 2026-12-03", who="alice")).ok
    refused = await oncall(app, "/oncall cancel 1", who="bob")
    assert not refused.ok
    assert refused.reply_text == "Only @alice can undo edit 1 (or an admin)."
    undone = await oncall(app, "/oncall cancel 1", who="root")
    assert undone.ok, undone.reply_text


async def test_only_the_requester_or_an_admin_withdraws_a_cover_request(app: App) -> None:
    """Carol cannot withdraw bob's request; an admin can."""
    assert (await oncall(app, "/oncall cover 2026-12-08", who="bob")).ok
    refused = await oncall(app, "/oncall cover cancel 1", who="carol")
    assert not refused.ok
    assert refused.reply_text == "Only @bob can withdraw cover request 1 (or an admin)."
    assert (await oncall(app, "/oncall cover cancel 1", who="root")).ok


async def test_an_admin_by_group_may_edit_anyone(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> None:
    """`discord-role:…` in admins: a member of that role (as Discord says) edits any shift."""
    app = await oncall_app(
        tmp_path / "g.db", clock, chat, access=AccessSettings(admins=["discord-role:42"])
    )
    try:
        handler = app.oncall
        assert handler is not None
        text = "/oncall override @dana 2026-12-03"
        plain = await handler.handle_text(text, actor="discord:7", platform="console")
        assert not plain.ok
        ok = await handler.handle_text(
            text, actor="discord:7", platform="console", groups=frozenset({"discord-role:42"})
        )
        assert ok.ok, ok.reply_text
    finally:
        await app.close()
