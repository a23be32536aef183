"""The pure parts: Block Kit rendering and escaping, and Slack payloads → core requests."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.slack import parse as p
from adapters.slack.render import escape, mrkdwn, render_blocks, topic
from adapters.slack.text import units
from incidents import commands as c
from incidents.messages import SUMMARY_BUTTONS, Audience, Button, Everyone, Fact, Mention, Message
from incidents.model import Incident
from incidents.people import Person
from incidents.phase import Phase
from incidents.severity import Severity


def message(**fields: object) -> Message:
    """An incident-channel message with defaults."""
    base: dict[str, object] = {"kind": "note", "audience": Audience.INCIDENT, "text": ("hi",)}
    return Message(**(base | fields))  # type: ignore[arg-type]


def test_escape_makes_markup_and_broadcasts_inert() -> None:
    """`&<>` are escaped and @here/@channel/@everyone get an invisible joiner."""
    assert escape("a & b <c>") == "a &amp; b &lt;c&gt;"
    assert escape("@here @Channel !everyone") == "@\u2060here @\u2060Channel !\u2060everyone"
    assert escape("email@hereford.example") == "email@hereford.example"


def test_mentions_ping_only_slack_users() -> None:
    """Slack users and resolved emails ping; other identities and odd ids are plain text."""
    text = (
        Mention(Person("slack:U0SAM")),
        " ",
        Mention(Person("email:carol@example.com")),
        " ",
        Mention(Person("console:li")),
        " ",
        Mention(Person.stored("slack:u1><!channel")),  # never valid input; stored, say
        " ",
        Everyone(),
    )
    rendered = mrkdwn(text, {Person("email:carol@example.com"): "U0CAROL"})
    assert rendered == "<@U0SAM> <@U0CAROL> @li @u1&gt;&lt;!\u2060channel <!here>"


def test_blocks_respect_slack_limits() -> None:
    """Long text splits into sections; >10 facts into several sections; the header is cut."""
    long = "\n".join(["x" * 1000] * 7)
    facts = tuple(Fact(f"F{i}", (str(i),)) for i in range(12))
    _, blocks = render_blocks(message(text=(long,), title="t" * 300, facts=facts, incident=3))
    assert len(blocks[0]["text"]["text"]) == 150
    sections = [b for b in blocks if b["type"] == "section" and "text" in b]
    assert all(len(b["text"]["text"]) <= 3000 for b in sections)
    assert "".join(b["text"]["text"] for b in sections).count("x") == 7000
    assert [len(b["fields"]) for b in blocks if "fields" in b] == [10, 2]


def test_buttons_have_stable_action_ids_and_the_incident_as_value() -> None:
    """Each core button is a Slack button whose value is the incident number."""
    _, blocks = render_blocks(message(buttons=SUMMARY_BUTTONS, incident=42))
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        ("sevbot_acknowledge", "42"),
        ("sevbot_post_update", "42"),
        ("sevbot_change_severity", "42"),
        ("sevbot_resolve", "42"),
    ]


def test_topic_is_short_and_names_the_ic() -> None:
    """Severity · phase · IC · title, at most 250 characters."""
    incident = Incident(
        number=1,
        title="t" * 300,
        severity=Severity.SEV2,
        phase=Phase.TRIAGE,
        declared_at=datetime(2026, 1, 1, tzinfo=UTC),
        declared_by=Person("slack:U0MARIA"),
        incident_commander=Person("slack:U0SAM"),
    )
    text = topic(incident, {Person("slack:U0SAM"): "sam"})
    assert text.startswith("🟠 SEV-2 · triage · IC: @sam · ttt")
    assert units(text) == 250  # the emoji is two units (adapters.slack.text)
    assert text.endswith("t…")


def test_plans_for_slash_commands() -> None:
    """open acks 'Opening…'; help and errors answer in the ack; bare status asks by modal."""
    opening = p.plan_incident_command("open sev1 DB down")
    assert isinstance(opening, p.Dispatch)
    assert opening.ack == {"response_type": "ephemeral", "text": "Opening incident…"}
    assert isinstance(p.plan_incident_command("help"), p.Answer)
    wrong = p.plan_incident_command("frobnicate")
    assert isinstance(wrong, p.Answer)
    assert "Unknown command `frobnicate`" in wrong.payload["text"]
    assert p.plan_incident_command("status") == p.AskStatus(incident=None)
    assert p.plan_incident_command("status 42") == p.AskStatus(incident=42)
    ack = p.plan_incident_command("ack 7")
    assert ack == p.Dispatch(request=c.Acknowledge(), incident=7)


def test_button_clicks_and_modal_submissions_parse() -> None:
    """A sevbot button → ButtonClick; each modal → its command; foreign payloads → None."""
    body = {
        "user": {"id": "U0SAM"},
        "channel": {"id": "C1"},
        "trigger_id": "t",
        "actions": [{"action_id": "sevbot_resolve", "value": "5"}],
    }
    click = p.button_click(body)
    assert click is not None
    assert (click.button, click.incident, click.channel_id) == (Button.RESOLVE, 5, "C1")
    assert p.button_click({"actions": [{"action_id": "other", "value": "5"}]}) is None
    assert p.button_click({"actions": [{"action_id": "sevbot_resolve", "value": "x"}]}) is None
    context = p.ModalContext(incident=5, channel_id="C1", response_url="https://r")
    view = {
        "callback_id": p.SEVERITY_MODAL,
        "private_metadata": context.dump(),
        "state": {"values": {"severity": {"severity": {"selected_option": {"value": "0"}}}}},
    }
    submitted = p.modal_submission(view)
    assert submitted == p.ModalSubmission(
        request=c.ChangeSeverity(severity=Severity.SEV0), context=context
    )
    assert p.modal_submission({"callback_id": "someone_else"}) is None
    garbled = p.modal_submission({"callback_id": p.RESOLVE_MODAL, "private_metadata": "{"})
    assert garbled == p.ModalSubmission(
        request=c.Resolve(summary=""),
        context=p.ModalContext(incident=None, channel_id=None),
    )


def test_events_parse() -> None:
    """People's messages count; bots, joins and edits do not; pins and 📌 are found."""
    assert p.spoke({"channel": "C1", "user": "U1"}) == p.Spoke(channel_id="C1", user_id="U1")
    assert p.spoke({"channel": "C1", "user": "U1", "subtype": "channel_join"}) is None
    assert p.spoke({"channel": "C1", "user": "U1", "bot_id": "B1"}) is None
    assert p.pushpin({"reaction": "thumbsup", "item": {"type": "message"}}) is None
    pin = p.pushpin(
        {
            "reaction": "pushpin",
            "user": "U2",
            "item": {"type": "message", "channel": "C", "ts": "1"},
        }
    )
    assert pin == p.Pin(channel_id="C", ts="1", pinned_by="U2")


def test_slash_form_reads_commands_and_leaves_interactivity_alone() -> None:
    """A slash command body gives its fields, unquoted; a `payload=` body is not one."""
    body = "token=x&command=%2Fincident&text=open+sev1+DB+%26+cache+down&user_id=U1&channel_id=C1"
    form = p.slash_form(body)
    assert form is not None
    assert p.SlashCommand.from_form(form) == p.SlashCommand(
        command="/incident",
        text="open sev1 DB & cache down",
        user_id="U1",
        channel_id="C1",
        response_url=None,
        trigger_id=None,
    )
    assert p.slash_form("payload=%7B%22command%22%3A1%7D") is None
    assert p.slash_form("command=%2Fincident&payload=x") is None
