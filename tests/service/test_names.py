"""Names, not ids: the timeline, the list and the review draft read people by name."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.names import NameBook
from bot.settings_model import SecretStr
from incidents.messages import Mention
from incidents.people import Person
from tests.fakes import RecordingChat
from tests.service.conftest import maintainers, say

SAM, LI = Person("console:sam"), Person("console:li")


async def named(app: App, **people: str) -> None:
    """Tell the name book what the platform calls each console person."""
    assert isinstance(app.ports.names, NameBook)
    for who, name in people.items():
        await app.ports.names.heard(Person.of("console", who), name)


async def review_of(app: App, chat: RecordingChat) -> str:
    """Ask for the review in chat; the Markdown file it posted."""
    chat.clear()
    await say(app, "/incident review 1", who="li")
    (message,) = [m for m in chat.messages if m.kind == "review"]
    assert message.attachment is not None
    return message.attachment


async def test_the_timeline_reads_people_by_name(app: App) -> None:
    """`/incident timeline` in plain text names who acted and whom they paged or made IC; in
    chat the same people are mentions, which the platform shows as names."""
    await named(app, sam="Sam Lee", li="Li Wei")
    await say(app, "/incident open sev1 Checkout is failing")
    await say(app, "/incident ic 1 @li", who="sam")
    outcome = await app.service.handle_text(
        "/incident timeline 1", actor="console:ana", platform="console"
    )
    text = outcome.reply_text
    assert "Sam Lee  Declared SEV-1: Checkout is failing" in text
    assert "sevbot  Paged Sam Lee (primary, rotation maintainers)" in text
    assert "Sam Lee  Li Wei is incident commander" in text
    assert "@sam" not in text
    assert "@li" not in text
    assert outcome.reply is not None
    assert {Mention(SAM), Mention(LI)} <= set(outcome.reply.text)


async def test_someone_without_a_known_name_reads_as_the_id(app: App) -> None:
    """Nobody named yet: the timeline reads as before, by id."""
    await say(app, "/incident open sev1 Checkout is failing")
    reply = await say(app, "/incident timeline 1", who="li")
    assert "@sam  Declared SEV-1" in reply


async def test_the_list_reads_the_commander_by_name(app: App) -> None:
    """`/incident list` names each incident's commander."""
    await named(app, li="Li Wei")
    await say(app, "/incident open sev2 Search is slow")
    await say(app, "/incident ic 1 @li")
    assert "· IC Li Wei ·" in await say(app, "/incident list")


async def test_the_review_draft_reads_people_by_name(app: App, chat: RecordingChat) -> None:
    """Declared by, commander, the timeline (who, and whom it paged), action owners and
    participants read by name; someone with no name yet reads as the id."""
    await named(app, sam="Sam Lee", li="Li Wei")
    await say(app, "/incident open sev1 Checkout is failing")
    await say(app, "/incident ic 1 @li")
    await say(app, "/incident action 1 Add a 502 alert @li", who="ana")
    review = await review_of(app, chat)
    assert "- **Declared:** 2026-11-23 14:00 UTC by Sam Lee" in review
    assert "- **Incident commander:** Li Wei" in review
    assert "· sevbot · [page] Paged Sam Lee (primary, rotation maintainers)" in review
    assert "· Sam Lee · [role] Li Wei is incident commander" in review
    assert "1. Add a 502 alert (Li Wei, open)" in review
    assert "\n- Sam Lee\n" in review
    assert "\n- @ana\n" in review


async def test_a_hostile_name_makes_no_markdown_or_mention_in_the_review(
    app: App, chat: RecordingChat
) -> None:
    """A name with markup, mentions and control characters shows as its text, escaped, with
    look-alikes for `@`, `<` and `>`: it pings nobody and changes no structure."""
    await named(app, sam="**Boss** <@U0ADMIN> @everyone [x](https://evil.example)\x1b[2J\u202e")
    await say(app, "/incident open sev1 Checkout is failing")
    review = await review_of(app, chat)
    shown = r"\*\*Boss\*\* ‹＠U0ADMIN› ＠everyone \[x\](https://evil.example)\[2J"
    assert f"by {shown}\n" in review
    for forbidden in ("<@", "@everyone", "**Boss**", "[x](", "\x1b", "\u202e"):
        assert forbidden not in review


async def test_the_dashboard_reads_people_by_name(tmp_path: Path, clock: FakeClock) -> None:
    """The dashboard's commander and the incident page's timeline, commander and review read
    people by name, HTML-escaped: a name makes no markup there either."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/w.db", web_token=SecretStr("letmein"))
    app = await build_app(settings, clock=clock, chats=[RecordingChat()], oncall=maintainers)
    client: TestClient[object, object] = TestClient(TestServer(app.web))
    await client.start_server()
    try:
        await named(app, sam="Sam <b>Lee</b>", li="Li Wei")
        await say(app, "/incident open sev1 Checkout is failing")
        await say(app, "/incident ic 1 @li")
        await client.post("/login", data={"token": "letmein", "next": "/"})
        board = await (await client.get("/")).text()
        page = await (await client.get("/incidents/1")).text()
    finally:
        await client.close()
        await app.close()
    assert "<td>Li Wei</td>" in board
    assert '<span class="who">Sam ‹b›Lee‹/b›</span>' in page
    assert "Paged Sam ‹b›Lee‹/b› (primary, rotation maintainers)" in page
    assert "<dd>Li Wei</dd>" in page
    assert "<b>" not in page
    assert "@sam" not in page
    assert "@li" not in page


async def test_a_name_is_asked_for_when_missing_and_again_when_stale(
    app: App, clock: FakeClock
) -> None:
    """`refresh` asks the platform once, not again while the name is fresh, again after a
    day; an answer with no name is not asked again for an hour."""
    book = NameBook(store=app.store, clock=clock)
    answers = ["maria", "María García"]
    asked: list[str] = []

    async def ask() -> str | None:
        asked.append("users.info")
        return answers.pop(0)

    maria = Person("slack:U0MARIA")
    await book.refresh(maria, ask)
    await book.refresh(maria, ask)
    assert len(asked) == 1
    clock.advance(hours=25)
    await book.refresh(maria, ask)
    assert len(asked) == 2
    assert await book.names_of([maria, SAM]) == {maria: "María García"}

    async def nothing() -> str | None:
        asked.append("users.info")
        return "   "

    ghost = Person("slack:U0GHOST")
    await book.refresh(ghost, nothing)
    clock.advance(minutes=30)
    await book.refresh(ghost, nothing)
    assert len(asked) == 3
    clock.advance(minutes=31)
    await book.refresh(ghost, nothing)
    assert len(asked) == 4


async def test_a_name_heard_again_is_written_only_when_it_changed_or_went_stale(
    app: App, clock: FakeClock
) -> None:
    """Discord's name, heard with every interaction, is kept when new, changed or a day old."""
    book = NameBook(store=app.store, clock=clock)
    await book.heard(SAM, "sam")
    first = clock.now()
    clock.advance(hours=1)
    await book.heard(SAM, "sam")
    async with app.store.transaction() as uow:
        assert (await uow.person_names([SAM]))[SAM].refreshed_at == first
    await book.heard(SAM, "Sam Lee")
    await book.heard(SAM, "\u200b")  # nothing visible: ignored
    assert await book.names_of([SAM]) == {SAM: "Sam Lee"}
