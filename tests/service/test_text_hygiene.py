"""Text hygiene through the bus and the HTTP API: invisible titles and broadcast "people" are
refused with nothing changed; bidi and zero-width characters never reach the store."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from bot.bootstrap import App
from incidents import commands as c
from incidents.severity import Severity
from tests.fakes import RecordingChat
from tests.service.conftest import say

RLO = "\u202e"
ZWSP = "\u200b"


async def test_a_title_of_only_invisible_characters_opens_nothing(
    app: App, chat: RecordingChat
) -> None:
    """Zero-width or bidi-only titles, typed or built by an adapter, are refused politely:
    no incident, no number used, nothing posted."""
    for title in (ZWSP, f"{RLO}\u2066\u200f", f"{ZWSP} \ufeff \u2060"):
        reply = await say(app, f"/incident open sev1 {title}", who="maria")
        assert reply.startswith("An incident needs a title, e.g. `/incident open sev1 ")
    outcome = await app.service.handle(
        c.OpenIncident(severity=Severity.SEV1, title=f"{ZWSP}{RLO}"),
        actor="console:maria",
        platform="console",
    )
    assert not outcome.ok
    assert outcome.reply_text.startswith("An incident needs a title, e.g. ")
    assert chat.delivered == []
    async with app.store.transaction() as uow:
        assert await uow.open_incidents() == []
    assert "#1" in await say(app, "open sev1 Checkout is failing", who="maria")


@pytest.mark.parametrize(
    ("command", "refusal"),
    [
        ("ic 1 @here", "`@here` is not a person; name one person, like @sam"),
        ("ic 1 @everyone", "`@everyone` is not a person"),
        ("role 1 comms @channel", "`@channel` is not a person"),
        ("role 1 responder @he\u200bre", "`@here` is not a person"),
        ("ic 1 @slack-group:S0SRE", "is a group, not a person"),
        ("ic 1 @discord-role:123", "is a group, not a person"),
        ("action 1 Tell the team @everyone", "`@everyone` is not a person"),
        ("ic 1 <!channel>", "Mention one person"),
        ("ic 1 <@&123>", "Mention one person"),
    ],
)
async def test_broadcasts_and_groups_are_refused_and_change_nothing(
    app: App, chat: RecordingChat, command: str, refusal: str
) -> None:
    """`ic @here` and friends reply why, and leave the incident and the chat as they were."""
    await say(app, "open sev1 Checkout is failing", who="maria")
    before = await app.service.load(1)
    posted = len(chat.delivered)
    reply = await say(app, command, who="maria")
    assert refusal in reply
    assert await app.service.load(1) == before
    assert len(chat.delivered) == posted


async def test_hostile_text_is_stored_as_it_reads(app: App) -> None:
    """An RLO in a title, a bidi-wrapped name, zero-width characters in updates and action
    items: what is stored (and shown) is the text without them."""
    await say(app, f"open sev1 Checkout {RLO}failing{ZWSP}", who="maria")
    await say(app, f"ic 1 @sa{RLO}m", who="maria")
    await say(app, f"status 1 Rolled \u2066back\u2069{ZWSP}", who="sam")
    await say(app, f"action 1 Add an {RLO}alert @an{ZWSP}a", who="sam")
    incident = await app.service.load(1)
    assert incident is not None
    assert incident.title == "Checkout failing"
    assert incident.incident_commander == "console:sam"
    assert [update.text for update in incident.status_updates] == ["Rolled back"]
    assert [(item.text, item.owner) for item in incident.action_items] == [
        ("Add an alert", "console:ana")
    ]


async def test_the_api_refuses_invisible_titles_and_broadcast_people(
    api_served: tuple[App, TestClient[object, object]],
) -> None:
    """`POST /api/commands` answers 422 with the same refusals, and nothing is opened."""
    app, client = api_served
    headers = {"Authorization": "Bearer tok"}
    for text, refusal in (
        (f"open sev1 {ZWSP}", "An incident needs a title"),
        ("ic 1 @everyone", "`@everyone` is not a person"),
    ):
        response = await client.post("/api/commands", json={"text": text}, headers=headers)
        assert response.status == 422
        assert refusal in (await response.json())["reply"]
    async with app.store.transaction() as uow:
        assert await uow.open_incidents() == []
