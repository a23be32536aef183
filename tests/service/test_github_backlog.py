"""Reading the handoff's GitHub backlog never holds a handoff back: a hanging GitHub is cut at
the timeout, an unexpected failure is said, several handoffs due together wait for GitHub
once, and a preparation that raises anyway leaves the job to run."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, cast

import pytest

from bot.bootstrap import App
from bot.clock import FakeClock
from bot.github.backlog import GitHubBacklog
from bot.github.client import GitHubClient
from bot.scheduler import Scheduler
from incidents.directory import PeopleDirectory
from tests.service.conftest import T0


class FakeGitHub:
    """The part of `GitHubClient` the backlog reads; answers with `behaviour`."""

    repository = "acme/widgets"

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.reads = 0

    async def open_labelled(self, label: str, limit: int = 100) -> list[dict[str, Any]]:
        self.reads += 1
        if self.behaviour == "hang":
            await asyncio.sleep(3600)
        if self.behaviour == "bug":
            raise RuntimeError("boom")
        created = "2026-12-01T09:00:00" if self.behaviour == "naive" else "2026-12-01T09:00:00Z"
        return [
            {
                "number": 1,
                "title": "Login fails",
                "labels": [{"name": label}],
                "assignees": "not-a-list",
                "created_at": created,
                "html_url": "u",
            }
        ]


def backlog(client: FakeGitHub, clock: FakeClock, timeout: float = 5.0) -> GitHubBacklog:
    return GitHubBacklog(
        cast(GitHubClient, client),
        issue_labels=["P0", "P1"],
        pr_labels=[],
        clock=clock,
        people=PeopleDirectory(),
        timeout=timeout,
    )


async def test_a_hanging_github_is_cut_at_the_timeout_and_said(clock: FakeClock) -> None:
    """No answer within the timeout: `prepare` returns, the section says why."""
    reader = backlog(FakeGitHub("hang"), clock, timeout=0.05)
    await asyncio.wait_for(reader.prepare("handoff:maintainers"), 2)
    text = "".join(str(part) for part in reader.text(clock.now()))
    assert "could not be read (no answer within 0.05 s)" in text


async def test_an_unexpected_failure_is_said_and_not_retried_at_once(clock: FakeClock) -> None:
    """A bug in the read: said in the section; handoffs due in the same minutes do not each
    wait for GitHub again; after `fresh_for` it is read again."""
    client = FakeGitHub("bug")
    reader = backlog(client, clock)
    await reader.prepare("handoff:a")
    await reader.prepare("handoff:b")
    assert client.reads == 1
    assert "RuntimeError: boom" in "".join(str(p) for p in reader.text(clock.now()))
    clock.advance(minutes=6)
    await reader.prepare("handoff:a")
    assert client.reads == 2


@pytest.mark.parametrize("behaviour", ["naive", "ok"])
async def test_odd_fields_are_read_as_well_as_they_can_be(clock: FakeClock, behaviour: str) -> None:
    """A time without a zone is UTC; assignees that are not a list are nobody."""
    reader = backlog(FakeGitHub(behaviour), clock)
    await reader.prepare()
    (item,) = reader.backlog.issues
    assert item.created_at.utcoffset() == timedelta(0)
    assert item.assignees == ()
    assert "unassigned" in "".join(str(p) for p in reader.text(clock.now()))


async def test_a_preparation_that_raises_leaves_the_job_to_run(app: App, clock: FakeClock) -> None:
    """The scheduler logs a raising preparation and runs the job anyway, once."""
    calls: list[str] = []

    async def handoff(uow: object, name: str, due: object, now: object) -> object:
        calls.append(name)
        return clock.now() + timedelta(days=7)

    async def broken(name: str) -> None:
        raise RuntimeError("preparation bug")

    scheduler = Scheduler(
        store=app.store,
        service=app.service,
        clock=clock,
        jobs={"handoff": handoff},  # type: ignore[dict-item]
        prepare={"handoff": broken},
    )
    async with app.store.transaction() as uow:
        await uow.schedule_job("handoff:maintainers", T0)
    await scheduler.fire_due()
    assert calls == ["handoff:maintainers"]
