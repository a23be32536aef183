"""Names on Slack: whoever acts has their display name asked for (users.info) and kept."""

from __future__ import annotations

from incidents.people import Person
from tests.adapters.slack.conftest import MARIA, SAM, Slack

MARIA_NAME = "María García 👩\u200d💻"


async def kept_names(slack: Slack, *user_ids: str) -> dict[str, str]:
    """The names the store keeps for these Slack users, by user id."""
    people = [Person.of("slack", user_id) for user_id in user_ids]
    async with slack.app.store.transaction() as uow:
        found = await uow.person_names(people)
    return {person.id: kept.name for person, kept in found.items()}


async def test_a_command_keeps_the_display_name_of_whoever_ran_it(slack: Slack) -> None:
    """After `/incident open`, the store has Maria's display name from users.info; a second
    command the same day does not ask again."""
    slack.standin.profiles[MARIA] = {"display_name": MARIA_NAME, "real_name": "Maria Garcia"}
    reply = await slack.run("open sev2 Search is slow")
    assert reply.status == 200
    assert await kept_names(slack, MARIA) == {MARIA: MARIA_NAME}
    asked = [call.params.get("user") for call in slack.standin.served("users.info")]
    assert asked.count(MARIA) == 1
    await slack.run("list")
    asked = [call.params.get("user") for call in slack.standin.served("users.info")]
    assert asked.count(MARIA) == 1


async def test_without_a_display_name_the_real_name_is_kept(slack: Slack) -> None:
    """An empty display name (many Slack profiles have none) falls back to the real name."""
    slack.standin.profiles[SAM] = {"display_name": "", "real_name": "Sam Lee"}
    await slack.run("list", user=SAM)
    assert await kept_names(slack, SAM) == {SAM: "Sam Lee"}


async def test_a_stale_name_is_asked_for_again(slack: Slack) -> None:
    """A day later, the next command asks users.info again and keeps the new name."""
    await slack.run("list")
    assert await kept_names(slack, MARIA) == {MARIA: "maria"}
    slack.standin.profiles[MARIA] = {"display_name": "Maria G."}
    slack.clock.advance(hours=23)
    await slack.run("list")
    assert await kept_names(slack, MARIA) == {MARIA: "maria"}
    slack.clock.advance(hours=2)
    await slack.run("list")
    assert await kept_names(slack, MARIA) == {MARIA: "Maria G."}


async def test_a_failing_users_info_changes_nothing_of_the_command(slack: Slack) -> None:
    """users.info answering 500 leaves the person shown by id; the command and its answer
    are as always."""
    slack.standin.fail(1, 500, methods={"users.info"})
    await slack.run("open sev2 Search is slow")
    channel = slack.channel(1).id
    timeline = await slack.run("timeline", user=SAM, channel=channel)
    assert "Declared SEV-2: Search is slow" in timeline.text
    assert MARIA not in await kept_names(slack, MARIA)


async def test_the_timeline_in_slack_mentions_people_and_the_review_names_them(
    slack: Slack,
) -> None:
    """In Slack the timeline shows people as mentions (Slack renders the names); the review
    file reads them by the names kept."""
    slack.standin.profiles[MARIA] = {"display_name": MARIA_NAME}
    await slack.run("open sev2 Search is slow")
    channel = slack.channel(1)
    timeline = await slack.run("timeline", user=SAM, channel=channel.id)
    assert f"<@{MARIA}>" in timeline.text
    await slack.run("review", user=SAM, channel=channel.id)
    [upload] = [m for m in channel.messages if m.get("files")]
    review = slack.standin.uploads[upload["files"][0]["id"]]["content"].decode()
    assert f"by {MARIA_NAME}" in review
    assert f"@{MARIA}" not in review
