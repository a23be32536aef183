"""The issues sevbot opened on GitHub, on both stores: one per subject and repository, found by
subject (a retry comments instead of opening another) and by number (a closed issue finds its
action item)."""

from __future__ import annotations

from incidents.ports import TrackerIssue
from tests.contract.backends import AnyStore

REPO = "acme/widgets"


async def test_an_issue_is_found_by_subject_and_by_number(store: AnyStore) -> None:
    """A remembered issue reads back by its subject and its number, per repository only."""
    issue = TrackerIssue(12, "https://github.com/acme/widgets/issues/12")
    async with store.transaction() as uow:
        assert await uow.tracker_issue(REPO, "incident:7") is None
        await uow.remember_tracker_issue(REPO, "incident:7", issue)
    async with store.transaction() as uow:
        assert await uow.tracker_issue(REPO, "incident:7") == issue
        assert await uow.tracker_subject(REPO, 12) == "incident:7"
        assert await uow.tracker_subject(REPO, 13) is None
        assert await uow.tracker_issue("acme/other", "incident:7") is None
        assert await uow.tracker_subject("acme/other", 12) is None


async def test_a_discussion_keeps_its_node_id(store: AnyStore) -> None:
    """A discussion's GraphQL id reads back with it."""
    discussion = TrackerIssue(5, "https://github.com/acme/widgets/discussions/5", "D_kwDO")
    async with store.transaction() as uow:
        await uow.remember_tracker_issue(REPO, "discussion:7", discussion)
    async with store.transaction() as uow:
        assert await uow.tracker_issue(REPO, "discussion:7") == discussion


async def test_the_first_issue_remembered_for_a_subject_stays(store: AnyStore) -> None:
    """Remembering a second issue for the same subject keeps the first (never two)."""
    first = TrackerIssue(3, "https://github.com/acme/widgets/issues/3")
    async with store.transaction() as uow:
        await uow.remember_tracker_issue(REPO, "action:7:1", first)
        await uow.remember_tracker_issue(
            REPO, "action:7:1", TrackerIssue(4, "https://github.com/acme/widgets/issues/4")
        )
    async with store.transaction() as uow:
        assert await uow.tracker_issue(REPO, "action:7:1") == first


async def test_nothing_is_remembered_when_the_transaction_rolls_back(store: AnyStore) -> None:
    """An issue remembered in a transaction that fails is not remembered."""
    try:
        async with store.transaction() as uow:
            await uow.remember_tracker_issue(REPO, "incident:9", TrackerIssue(1, "u"))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    async with store.transaction() as uow:
        assert await uow.tracker_issue(REPO, "incident:9") is None
