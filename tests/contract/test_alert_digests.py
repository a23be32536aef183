"""Findings waiting for their digest on both stores (migration 0013)."""

from __future__ import annotations

from dataclasses import replace

from incidents.alerts.github import Cadence, DigestItem
from tests.contract.backends import AnyStore
from tests.contract.builders import T0, minutes

ITEM = DigestItem(
    source="github",
    cadence=Cadence.DAILY,
    key="github:acme/widgets:dependabot_alert:4",
    level="medium",
    title="Dependabot medium: Jinja2 sandbox breakout in jinja2 (acme/widgets#4)",
    url="https://github.com/acme/widgets/security/dependabot/4",
    received_at=T0,
)


async def test_a_waiting_finding_comes_back_whole_by_source_and_cadence(store: AnyStore) -> None:
    """Saved findings are listed by source and cadence, oldest first, each whole with its id;
    another cadence or source lists nothing of them."""
    second = replace(ITEM, key="github:acme/widgets:code_scanning_alert:8", title="Code")
    weekly = replace(ITEM, key="github:acme/widgets:dependabot_alert:6", cadence=Cadence.WEEKLY)
    async with store.transaction() as uow:
        for item in (ITEM, second, weekly):
            await uow.save_digest_item(item)
    async with store.transaction() as uow:
        daily = await uow.digest_items("github", Cadence.DAILY)
        assert [replace(i, id=0) for i in daily] == [ITEM, second]
        assert all(i.id > 0 for i in daily)
        assert [i.key for i in await uow.digest_items("github", Cadence.WEEKLY)] == [weekly.key]
        assert await uow.digest_items("other", Cadence.DAILY) == []


async def test_the_same_group_again_replaces_what_waits(store: AnyStore) -> None:
    """A finding reopened (or re-rated) before its digest is one row, saying the latest."""
    later = replace(ITEM, level="low", cadence=Cadence.WEEKLY, received_at=T0 + minutes(5))
    async with store.transaction() as uow:
        await uow.save_digest_item(ITEM)
        await uow.save_digest_item(later)
    async with store.transaction() as uow:
        assert await uow.digest_items("github", Cadence.DAILY) == []
        (found,) = await uow.digest_items("github", Cadence.WEEKLY)
        assert replace(found, id=0) == later


async def test_posted_or_dropped_findings_wait_no_more(store: AnyStore) -> None:
    """`digest_posted` deletes what went out; `drop_digest_item` what was fixed first; a
    rolled-back digest leaves them waiting."""
    other = replace(ITEM, key="github:acme/widgets:dependabot_alert:9")
    async with store.transaction() as uow:
        await uow.save_digest_item(ITEM)
        await uow.save_digest_item(other)
    try:
        async with store.transaction() as uow:
            items = await uow.digest_items("github", Cadence.DAILY)
            await uow.digest_posted([i.id for i in items])
            raise RuntimeError("the digest's transaction fails")
    except RuntimeError:
        pass
    async with store.transaction() as uow:
        items = await uow.digest_items("github", Cadence.DAILY)
        assert len(items) == 2
        await uow.drop_digest_item("github", other.key)
        await uow.digest_posted([items[0].id])
        await uow.digest_posted([])
    async with store.transaction() as uow:
        assert await uow.digest_items("github", Cadence.DAILY) == []
