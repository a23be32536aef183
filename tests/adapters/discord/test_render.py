"""Core messages → Discord content, embeds, buttons and allowed mentions (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.discord.render import (
    channel_topic,
    render_message,
    render_reply,
    render_text,
    reply_body,
)
from incidents.messages import (
    SUMMARY_BUTTONS,
    Audience,
    Everyone,
    Fact,
    Mention,
    Message,
    Tone,
)
from incidents.model import Incident
from incidents.people import Person
from incidents.phase import Phase
from incidents.severity import Severity

SAM, LI = Person("discord:1300000000000000005"), Person("discord:1300000000000000006")
T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def test_user_text_cannot_ping_anyone() -> None:
    """@everyone, @here, user and role mentions typed by a person are broken, not pinged."""
    text = render_text(("@everyone <@&1300000000000000099> @here <@1300000000000000007>",))
    assert "@everyone" not in text.text
    assert "@here" not in text.text
    assert "<@&1300000000000000099>" not in text.text
    assert "<@1300000000000000007>" not in text.text
    assert text.users == ()
    assert not text.everyone


def test_the_bots_mentions_are_the_only_pings() -> None:
    """Mention parts become `<@id>` and exactly those users are allowed to be pinged."""
    message = Message(
        kind="acknowledged",
        audience=Audience.INCIDENT,
        incident=1,
        text=("✅ ", Mention(SAM), " acknowledged; ", Mention(LI), " and ", Mention(SAM)),
    )
    post = render_message(message)
    assert (
        post.content
        == "✅ <@1300000000000000005> acknowledged; <@1300000000000000006> and <@1300000000000000005>"
    )
    allowed = post.allowed_mentions.to_dict()
    assert allowed["parse"] == []
    assert allowed["users"] == [1300000000000000005, 1300000000000000006]
    assert "roles" not in allowed


def test_people_on_other_platforms_are_named_not_pinged() -> None:
    """A Slack or console identity reads `@name` and pings nobody (even one stored before
    `Person` refused broadcast words)."""
    text = render_text(
        (Mention(Person("slack:U123")), " and ", Mention(Person.stored("console:everyone")))
    )
    assert text.text == "@U123 and @\u200beveryone"
    assert text.users == ()


def test_here_only_in_the_on_call_channel() -> None:
    """Everyone renders `@here` (and allows it) only for an on-call message."""
    text = ("📟 ", Everyone(), " nobody acknowledged")
    oncall = render_message(
        Message(kind="escalation", audience=Audience.ONCALL, incident=1, text=text)
    )
    assert oncall.content is not None
    assert oncall.content.startswith("📟 @here")
    assert oncall.allowed_mentions.to_dict()["parse"] == ["everyone"]
    channel = render_message(
        Message(kind="escalation", audience=Audience.INCIDENT, incident=1, text=text)
    )
    assert channel.content == "📟 everyone nobody acknowledged"
    assert channel.allowed_mentions.to_dict()["parse"] == []


def test_a_summary_is_an_embed_with_facts_buttons_and_pings_in_the_content() -> None:
    """Title, description, fields from facts, colour from tone, four stable buttons."""
    message = Message(
        kind="summary",
        audience=Audience.INCIDENT,
        incident=42,
        title="🔴 SEV-1 · Checkout",
        text=("Paging ", Mention(SAM), " (primary)."),
        facts=(Fact("Severity", ("SEV-1",)), Fact("Incident commander", (Mention(LI),))),
        buttons=SUMMARY_BUTTONS,
        tone=Tone.DANGER,
        pin=True,
    )
    post = render_message(message)
    assert post.embed is not None
    assert post.view is not None
    embed = post.embed.to_dict()
    assert embed["title"] == "🔴 SEV-1 · Checkout"
    assert embed["color"] == 0xED4245
    assert [f["name"] for f in embed["fields"]] == ["Severity", "Incident commander"]
    assert post.content == "<@1300000000000000005>"  # the IC in a fact is shown, not pinged
    assert [item.custom_id for item in post.view.children] == [  # type: ignore[attr-defined]
        "sevbot:ack:42",
        "sevbot:update:42",
        "sevbot:sev:42",
        "sevbot:resolve:42",
    ]


def test_long_text_moves_to_an_embed_and_is_cut_only_past_its_limit() -> None:
    """Plain text over 2,000 characters becomes an embed description; past 4,096 it is cut
    at a line break, says so, and the whole text is attached; titles stay within 256."""
    note = "x" * 3000
    plain = render_message(
        Message(kind="note", audience=Audience.INCIDENT, incident=1, text=(note,))
    )
    assert plain.content is None
    assert plain.embed is not None
    assert plain.embed.description == note
    assert plain.attachment is None
    long = "\n".join(f"line {n} " + "y" * 80 for n in range(100))
    titled = render_message(
        Message(kind="summary", audience=Audience.INCIDENT, incident=1, title=long, text=(long,))
    )
    assert titled.embed is not None
    assert len(titled.embed.title or "") <= 256
    description = titled.embed.description or ""
    assert len(description) <= 4096
    assert "✂️ Cut to fit in Discord: the full text is in the attached summary.md." in description
    kept = description.split("\n\n✂️")[0]
    assert long.startswith(kept)
    assert long[len(kept)] == "\n"  # cut at a line break
    assert titled.attachment == ("summary.md", long.encode())


def test_a_cut_names_the_dashboard_when_it_is_on() -> None:
    """With the dashboard on, a cut reply says where the whole text is: the file and the
    incident's page."""
    text = "\n".join("entry " + "z" * 90 for _ in range(100))
    reply = Message(kind="timeline", audience=Audience.REPLY, incident=4, text=(text,))
    post = render_reply(reply, "Done.", dashboard_url="https://sevbot.example.com/")
    assert post.embed is not None
    assert (post.embed.description or "").endswith(
        "the full text is in the attached timeline.md and at "
        "https://sevbot.example.com/incidents/4."
    )
    assert post.attachment == ("timeline.md", text.encode())


def test_long_replies_become_embeds_then_files() -> None:
    """An ephemeral reply over 2,000 characters goes in an embed; over 4,096 it is cut there
    and the whole goes in a file."""

    def reply(size: int) -> Message:
        return Message(kind="timeline", audience=Audience.REPLY, text=("y" * size,))

    assert render_reply(reply(10), "Done.").content == "y" * 10
    assert render_reply(reply(3000), "Done.").embed is not None
    big = render_reply(reply(5000), "Done.")
    assert big.embed is not None
    assert len(big.embed.description or "") <= 4096
    assert big.attachment == ("timeline.md", b"y" * 5000)
    assert render_reply(None, "Done.").content == "Done."


def test_the_review_is_attached_as_markdown() -> None:
    """A message with an attachment carries it as a file."""
    message = Message(
        kind="review",
        audience=Audience.INCIDENT,
        incident=3,
        text=("📘 Review draft",),
        attachment_name="incident-3-review.md",
        attachment="# Review\n",
    )
    post = render_message(message)
    assert post.attachment == ("incident-3-review.md", b"# Review\n")
    assert post.send_kwargs()["file"].filename == "incident-3-review.md"


def test_topic_shows_severity_phase_and_commander() -> None:
    """The channel topic is severity / phase / IC, with the title made harmless."""
    incident = Incident(
        number=7,
        title="@everyone DB down",
        severity=Severity.SEV2,
        phase=Phase.MITIGATION,
        declared_at=T0,
        declared_by=SAM,
        incident_commander=LI,
    )
    topic = channel_topic(incident)
    assert topic.startswith("🟠 SEV-2 · mitigation · IC: <@1300000000000000006> · #7 ")
    assert "@everyone" not in topic


def test_a_replayed_reply_fits_one_follow_up() -> None:
    """The raw follow-up of a replayed interaction: content when short; else an embed cut at a
    line break that says where the rest is; ephemeral and pinging nobody either way."""
    assert reply_body("Done (#3).") == {
        "flags": 64,
        "allowed_mentions": {"parse": []},
        "content": "Done (#3).",
    }
    text = "\n".join("entry " + "z" * 90 for _ in range(100))
    body = reply_body(text, link="https://sevbot.example.com/incidents/3")
    [embed] = body["embeds"]
    assert len(embed["description"]) <= 4096
    assert embed["description"].endswith(
        "the full text is at https://sevbot.example.com/incidents/3."
    )
    assert (body["flags"], body["allowed_mentions"]) == (64, {"parse": []})
