"""`/incident list` asked again: unchanged incidents are not decoded or timed again."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from bot import views
from bot.bootstrap import App
from incidents.model import Incident
from incidents.policy import Policy
from incidents.timers import next_deadline
from tests.service.conftest import say
from tests.unit.helpers import opened


def counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count `next_deadline` calls made by the views; the numbers of the incidents timed."""
    timed: list[int] = []

    def counted(incident: Incident, policy: Policy) -> tuple[str, datetime] | None:
        timed.append(incident.number)
        return next_deadline(incident, policy)

    monkeypatch.setattr(views, "next_deadline", counted)
    return timed


async def test_a_list_asked_again_times_only_the_incidents_that_changed(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second list is the same text and times no incident again; after a change to one,
    only that one is timed again, and the text shows the change."""
    await say(app, "/incident open sev2 Search slow")
    await say(app, "/incident open sev3 Exports late")
    timed = counting(monkeypatch)
    first = await say(app, "/incident list")
    assert sorted(timed) == [1, 2]
    assert await say(app, "/incident list") == first
    assert sorted(timed) == [1, 2]
    await say(app, "/incident phase 2 investigation")
    second = await say(app, "/incident list")
    assert sorted(timed) == [1, 2, 2]
    assert second.splitlines()[1] == first.splitlines()[1]
    assert "#2 Exports late · investigation" in second.splitlines()[2]


def test_deadlines_are_kept_per_incident_object_and_policy(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Deadlines` computes an incident's deadline once while it is the same object under the
    same policy; an equal copy, another policy or an incident left out are computed anew."""
    timed = counting(monkeypatch)
    deadlines = views.Deadlines()
    first, second = replace(opened(), number=1), replace(opened(), number=2)
    policy = app.service.policy
    expected = {1: next_deadline(first, policy), 2: next_deadline(second, policy)}
    assert deadlines.of([first, second], policy) == expected
    assert deadlines.of([first, second], policy) == expected
    assert timed == [1, 2]
    assert deadlines.of([replace(first)], policy) == {1: expected[1]}
    assert deadlines.of([second], replace(policy)) == {2: expected[2]}
    assert deadlines.of([second], policy) == {2: expected[2]}
    assert timed == [1, 2, 1, 2, 2]
