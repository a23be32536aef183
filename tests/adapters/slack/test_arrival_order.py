"""Incident numbers follow the order in which `/incident open` requests were acknowledged, on
SQLite and PostgreSQL, although the work after the acknowledgement runs on several workers."""

from __future__ import annotations

import re
from pathlib import Path

from bot.bootstrap import App
from tests.adapters.slack.conftest import running_slack, slack_settings
from tests.adapters.slack.standin import SlackStandIn
from tests.contract.backends import Backend
from tests.contract.conftest import backend  # noqa: F401 -- the fixture, once per backend

OPENS = 20


async def _titles_by_number(app: App) -> dict[int, str]:
    """Each incident's title, by its number."""
    titles = {}
    for number in range(1, OPENS + 1):
        incident = await app.service.load(number)
        assert incident is not None, f"no incident #{number}"
        titles[number] = incident.title
    return titles


async def test_opens_acknowledged_one_after_another_get_numbers_in_that_order(
    tmp_path: Path,
    standin: SlackStandIn,
    backend: Backend,  # noqa: F811 -- the fixture imported above
) -> None:
    """Twenty `/incident open`s acknowledged back to back: the first acknowledged is #1, the
    twentieth #20, though four workers run them and their transactions may overlap."""
    store = await backend.open()
    settings = slack_settings(tmp_path, standin).model_copy(update={"database_url": backend.url})
    async with running_slack(tmp_path, standin, settings, store=store) as slack:
        for index in range(1, OPENS + 1):
            reply = await slack.command(f"open sev2 Arrival {index}")
            assert reply.status == 200
        await slack.settle()
        titles = await _titles_by_number(slack.app)
    arrived = {number: int(re.sub(r"\D", "", title)) for number, title in titles.items()}
    assert arrived == {number: number for number in range(1, OPENS + 1)}
