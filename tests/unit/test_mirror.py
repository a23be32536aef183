"""What each side of a mirrored incident reads, and where each copy goes (pure parts)."""

from __future__ import annotations

from bot.routing import Router
from incidents.directory import PeopleDirectory, PersonEntry
from incidents.messages import Audience, Everyone, Fact, Mention, Message, MessageKind
from incidents.mirror import attribute, localise, relay_message
from incidents.people import Person

ANA_SLACK = Person("slack:U01ANA")
ANA_DISCORD = Person("discord:234567890123456789")
SAM = Person("slack:U0SAM")
LI = Person("discord:345678901234567890")
PEOPLE = PeopleDirectory([PersonEntry(name="Ana Lima", identities=(ANA_SLACK, ANA_DISCORD))])
ROUTER = Router(platforms=("slack", "discord"), people=PEOPLE, mirrored=("slack", "discord"))


def update(actor: Person) -> Message:
    """A status update posted by `actor`, as the core words it."""
    return Message(
        kind=MessageKind.STATUS_UPDATE,
        audience=Audience.INCIDENT,
        incident=1,
        text=("📝 Status update from ", Mention(actor), ": Rolled back"),
    )


def test_an_answer_says_on_which_platform_the_command_was_given() -> None:
    """After the actor's mention: ` (Discord)`; without one, a closing line naming them; the
    summary, direct messages and announcements are left as they are."""
    [said] = attribute([update(ANA_SLACK)], ANA_SLACK, "discord")
    assert said.text == (
        "📝 Status update from ",
        Mention(ANA_SLACK),
        " (Discord)",
        ": Rolled back",
    )
    note = Message(kind=MessageKind.NOTE, audience=Audience.INCIDENT, incident=1, text=("n",))
    [closing] = attribute([note], SAM, "slack")
    assert closing.text == ("n", "\n— from ", Mention(SAM), " (Slack)")
    others = [
        Message(kind=MessageKind.SUMMARY, audience=Audience.INCIDENT, incident=1, text=("s",)),
        Message(kind=MessageKind.PAGE, audience=Audience.DIRECT, recipient=SAM, text=("p",)),
    ]
    assert attribute(others, SAM, "slack") == tuple(others)


def test_a_mention_pings_the_persons_identity_on_each_platform() -> None:
    """Ana's mention is her Slack id on Slack and her Discord id on Discord, facts included."""
    message = Message(
        kind=MessageKind.ROLE_ASSIGNED,
        audience=Audience.INCIDENT,
        incident=1,
        text=(Mention(ANA_SLACK), " is incident commander"),
        facts=(Fact("IC", (Mention(ANA_SLACK),)),),
    )
    on_discord = localise(message, "discord", PEOPLE)
    assert on_discord.text[0] == Mention(ANA_DISCORD)
    assert on_discord.facts[0].value == (Mention(ANA_DISCORD),)
    assert localise(message, "slack", PEOPLE) is message


def test_someone_known_only_on_the_other_platform_reads_as_their_name() -> None:
    """Li (Discord only) on Slack is the name kept for them, or their handle; never a mention;
    on the console, mentions stay as they were."""
    message = Message(
        kind=MessageKind.NOTE,
        audience=Audience.INCIDENT,
        incident=1,
        text=("by ", Mention(LI), " and ", Mention(SAM), " ", Everyone()),
    )
    on_slack = localise(message, "slack", PEOPLE, {LI: "Li <@U0BOSS>"})
    assert on_slack.text[1] == "Li \u2039\uff20U0BOSS\u203a"
    assert on_slack.text[3] == Mention(SAM)
    assert localise(message, "slack", PEOPLE).text[1] == "@345678901234567890"
    assert localise(message, "console", PEOPLE) is message


def test_a_relayed_message_names_its_author_as_text_and_mentions_nobody() -> None:
    """The author, the platform, the text and each attachment as a link; no mention part."""
    relayed = relay_message(
        7,
        author="Ana Lima",
        platform="discord",
        text="@everyone look at <@U0SAM>\u202e",
        links=("https://cdn.example/graph.png",),
    )
    assert relayed.audience is Audience.INCIDENT
    assert relayed.kind is MessageKind.RELAYED
    assert not any(isinstance(part, Mention | Everyone) for part in relayed.text)
    assert relayed.plain_text() == (
        "💬 Ana Lima (Discord): @everyone look at <@U0SAM>\n📎 https://cdn.example/graph.png"
    )


def test_a_mirrored_incident_lives_on_every_mirrored_platform_origin_first() -> None:
    """Opened on Discord: Discord then Slack; without [mirror]: where it was opened."""
    assert ROUTER.home_for("discord") == ("discord", "slack")
    assert ROUTER.home_for("slack") == ("slack", "discord")
    assert Router(platforms=("slack", "discord")).home_for("discord") == ("discord",)


def test_a_direct_message_to_a_person_goes_to_each_platform_they_are_paged_on() -> None:
    """One row per platform, each addressed to the person's identity there; someone not in
    the directory gets one, on their own platform."""
    page = Message(
        kind=MessageKind.PAGE, audience=Audience.DIRECT, recipient=ANA_SLACK, text=("p",)
    )
    routed = ROUTER.deliveries(page, ["slack"])
    assert [(platform, message.recipient) for platform, message in routed] == [
        ("slack", ANA_SLACK),
        ("discord", ANA_DISCORD),
    ]
    to_li = Message(kind=MessageKind.PAGE, audience=Audience.DIRECT, recipient=LI, text=("p",))
    assert [platform for platform, _ in ROUTER.deliveries(to_li, ["slack"])] == ["discord"]


def test_default_platform_picks_where_api_incidents_live_when_it_runs() -> None:
    """`default_platform = "discord"` wins over the first platform; one not running does not."""
    assert Router(platforms=("slack", "discord"), default="discord").default_platform == "discord"
    assert Router(platforms=("slack",), default="discord").default_platform == "slack"
