"""A mirrored incident's outbox: in order per incident *and platform*, each platform on its own."""

from __future__ import annotations

from tests.contract.backends import AnyStore
from tests.contract.builders import T0, minutes, note

LEASE = minutes(1)
SENDER = "sender-a"


async def enqueue_on_both(store: AnyStore, number: int, *texts: str) -> None:
    """Each text as one row for Slack and one for Discord, in order."""
    async with store.transaction() as uow:
        for text in texts:
            for platform in ("slack", "discord"):
                await uow.enqueue([note(number, text)], platform=platform, now=T0)


async def test_a_platform_waiting_on_its_oldest_row_does_not_hold_back_the_other(
    store: AnyStore,
) -> None:
    """Discord's first row rate limited: Slack's rows go on in order, Discord's wait behind
    its own head, and once it is delivered Discord's next row comes."""
    await enqueue_on_both(store, 1, "one", "two")
    heads = await store.claim_outbox(T0, T0 + LEASE, 10, sender=SENDER)
    assert sorted((i.platform, i.message.plain_text()) for i in heads) == [
        ("discord", "one"),
        ("slack", "one"),
    ]
    discord_head = next(i for i in heads if i.platform == "discord")
    slack_head = next(i for i in heads if i.platform == "slack")
    await store.mark_failed(discord_head.id, "429", T0 + minutes(5), T0, rate_limited=True)
    await store.mark_delivered(slack_head.id, T0)
    after = await store.claim_outbox(T0, T0 + LEASE, 10, sender=SENDER)
    assert [(i.platform, i.message.plain_text()) for i in after] == [("slack", "two")]
    await store.mark_delivered(after[0].id, T0)
    later = T0 + minutes(5)
    retried = await store.claim_outbox(later, later + LEASE, 10, sender=SENDER)
    assert [(i.platform, i.message.plain_text()) for i in retried] == [("discord", "one")]
    await store.mark_delivered(retried[0].id, later)
    last = await store.claim_outbox(later, later + LEASE, 10, sender=SENDER)
    assert [(i.platform, i.message.plain_text()) for i in last] == [("discord", "two")]


async def test_the_backlog_counts_what_waits_behind_each_platforms_head(store: AnyStore) -> None:
    """`sevbot outbox` reads how many rows wait behind each (incident, platform) head."""
    await enqueue_on_both(store, 1, "one", "two", "three")
    waiting = await store.waiting_behind()
    assert sorted(waiting.values()) == [2, 2]
