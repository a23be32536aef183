"""The work after an acknowledgement: a few workers, forms first, nothing lost or left over."""

from __future__ import annotations

import asyncio

from adapters.slack.interactions import WORKERS
from tests.adapters.slack.conftest import Slack


async def test_work_runs_on_a_few_workers_with_forms_first(slack: Slack) -> None:
    """Twenty jobs: never more than WORKERS at once, all done; urgent work jumps the queue."""
    inbound = slack.adapter.inbound
    running = 0
    most = 0
    order: list[str] = []
    release = asyncio.Event()

    async def job(name: str) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        order.append(name)
        await release.wait()
        running -= 1

    for index in range(20):
        inbound.spawn(job(f"command {index}"), "test")
    await asyncio.sleep(0)  # let the workers start (no time passes: nothing waits on a clock)
    await asyncio.sleep(0)
    inbound.spawn(job("form"), "test", urgent=True)
    release.set()
    await slack.adapter.settle()
    assert most == WORKERS
    assert len(order) == 21
    assert order.index("form") == WORKERS  # the first job after the ones already running


async def test_work_left_at_shutdown_is_dropped_without_warnings(slack: Slack) -> None:
    """Closing with a grace of zero cancels running work and closes queued coroutines."""
    inbound = slack.adapter.inbound
    started: list[int] = []
    never = asyncio.Event()

    async def job(index: int) -> None:
        started.append(index)
        await never.wait()

    for index in range(WORKERS + 3):
        inbound.spawn(job(index), "test")
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    await inbound.close(0)
    assert started == list(range(WORKERS))
    await inbound.settle()  # returns: nothing is left
