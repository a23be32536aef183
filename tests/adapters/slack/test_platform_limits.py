"""Contract: whatever sevbot sends Slack, with hostile text at the core's own maximum lengths,
the strict stand-in accepts: every Web API call `ok`, no response_url post refused, every
acknowledgement within Slack's limits. Commands, buttons, forms, timers, and every message
kind through the outbox."""

from __future__ import annotations

import itertools
import re
import unicodedata
from typing import Any

from incidents.decision import MAX_TEXT
from incidents.handlers import MAX_TITLE
from incidents.messages import Audience, Button, Everyone, Fact, Mention, Message, MessageKind
from incidents.people import Person
from incidents.ports import OutboxItem
from tests.adapters.slack.conftest import LI, SAM, Reply, Slack
from tests.adapters.slack.limits import check_message
from tests.adapters.slack.standin import BOT_USER

EMOJI = "😀👩\u200d👩\u200d👧\u200d👦🇺🇦👍🏽e\u0301"  # astral, joined, a flag, a modifier, combining
RTL = "שלום עולם مرحبا بالعالم"
PIECES = (
    "&",
    "<@U0SAM>",
    "<!channel>",
    "@everyone",
    " @here ",
    "<https://evil.example/a?b=1&c=2|click me>",
    EMOJI,
    RTL,
    "<#CGENERAL>",
    "&amp;&lt;",
    "\n",
)
JOINED = (
    "\u200d\u2060\ufe0f\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff"  # join what precedes
)
BUTTONS = (Button.ACKNOWLEDGE, Button.POST_UPDATE, Button.CHANGE_SEVERITY, Button.RESOLVE)


def hostile(length: int) -> str:
    """`length` characters of what escapes, pings, links and splits worst, over and over."""
    return "".join(itertools.islice(itertools.cycle("".join(PIECES)), length))


AMPERSANDS = "&" * MAX_TEXT
MIXED = hostile(MAX_TEXT)
EMOJIS = "".join(itertools.islice(itertools.cycle(EMOJI), MAX_TEXT))
TITLE = hostile(MAX_TITLE).replace("\n", " ").strip()


def status_values(text: str) -> dict[str, Any]:
    """A filled-in status modal, as Slack sends it."""
    return {
        "status": {"text": {"type": "plain_text_input", "value": text}},
        "external": {"external": {"type": "checkboxes", "selected_options": []}},
    }


def cut_badly(text: str) -> bool:
    """Whether a piece of text sevbot cut ends inside an entity or a `<…>` token, or starts
    inside a character (escaped user text has no bare `&`, `<` or `>`)."""
    text = text.removesuffix("…")
    return bool(
        re.search(r"&[#a-z0-9]{0,4}$", text)
        or text.count("<") != text.count(">")
        or (text and (unicodedata.category(text[0]) in ("Mn", "Me", "Mc") or text[0] in JOINED))
    )


def texts(payload: Any) -> list[str]:
    """The `text` of a message and of every text object in its blocks."""
    if isinstance(payload, dict):
        own = [payload["text"]] if isinstance(payload.get("text"), str) else []
        return own + [t for key, v in payload.items() if key != "text" for t in texts(v)]
    if isinstance(payload, list):
        return [t for item in payload for t in texts(item)]
    return []


def assert_all_accepted(slack: Slack, acks: list[Reply]) -> None:
    """No call refused, no response_url post refused, every acknowledgement within limits, and
    no text cut inside an entity, a token or a character."""
    assert slack.standin.refusals == []
    assert [(c.method, c.status) for c in slack.standin.calls if not c.ok] == []
    for ack in acks:
        assert ack.status == 200
        if isinstance(ack.body, dict) and (ack.body.get("text") or ack.body.get("blocks")):
            check_message(ack.body)
    sent = [m for c in slack.standin.channels.values() for m in c.posts()]
    sent += slack.standin.responses + slack.standin.ephemerals + [a.body for a in acks]
    assert [t[-40:] for t in texts(sent) if cut_badly(t)] == []


async def tick(slack: Slack, **delta: float) -> None:
    """Advance the fake clock, fire what is due and deliver it."""
    slack.clock.advance(**delta)
    await slack.app.scheduler.fire_due()
    await slack.settle()


async def test_commands_buttons_forms_and_timers_with_hostile_text_are_accepted(
    slack: Slack,
) -> None:
    """An incident with a 200-character title, every command with 3,000 characters of `&`,
    mixed markup or emoji, its buttons and forms, its reminders and escalation: all accepted.
    The timeline, too long for one message, says so and where the rest is."""
    slack.standin.channels["CINCIDENTS"].members.add(BOT_USER)
    acks = [await slack.run(f"open sev1 {TITLE}")]
    channel = slack.channel(1).id
    here: dict[str, Any] = {"user": SAM, "channel": channel}
    acks.append(await slack.run(f"ic <@{SAM}>", **here))
    for text in (AMPERSANDS, MIXED, EMOJIS):
        for verb in ("note", "status", "status --external", "action"):
            acks.append(await slack.run(f"{verb} {text}", **here))
    for _ in range(4):  # the timeline grows past what one message holds
        acks.append(await slack.run(f"note {AMPERSANDS}", **here))
    for command in ("sev sev0", "phase mitigation", "list", "help", f"open sev9 {MIXED}"):
        acks.append(await slack.run(command, **here))
    await slack.click("sevbot_post_update", 1)
    await slack.settle()
    acks.append(await slack.submit(status_values(MIXED)))
    await slack.click("sevbot_change_severity", 1)
    acks.append(await slack.click("sevbot_acknowledge", 1))
    await tick(slack, minutes=45)  # status reminders, deadline warnings and breaches
    acks.append(await slack.run(f"open sev1 {EMOJIS[:MAX_TITLE]}", user=LI))
    await tick(slack, minutes=15)  # #2 unacknowledged: the backup is paged by DM
    await tick(slack, minutes=15)  # then everyone on call, with <!here>
    acks.append(await slack.run("timeline", **here))
    acks.append(await slack.run(f"mitigated {MIXED}", **here))
    await slack.click("sevbot_resolve", 1)
    await slack.settle()
    summary = {"summary": {"summary": {"type": "plain_text_input", "value": MIXED}}}
    acks.append(await slack.submit(summary))
    await slack.settle()
    acks.append(await slack.run("review", **here))
    assert_all_accepted(slack, acks)
    assert len(slack.standin.views) == 3
    timeline = next(a.body for a in acks if "Timeline of #1" in a.text)
    assert "✂️" in timeline["blocks"][-2]["text"]["text"]
    assert "`incident-1-timeline.txt`, in your direct messages" in str(timeline["blocks"][-2])
    dm = slack.standin.dm(SAM)
    assert dm is not None
    assert any(
        f["name"] == "incident-1-timeline.txt" for m in dm.messages for f in m.get("files", ())
    )


def sweep_message(kind: MessageKind, audience: Audience = Audience.INCIDENT) -> Message:
    """A message of `kind` with everything at its longest and most hostile."""
    return Message(
        kind=kind,
        audience=audience,
        incident=1,
        title=TITLE,
        text=(MIXED, " ", Mention(Person(f"slack:{SAM}")), " ", Everyone(), " ", AMPERSANDS),
        facts=tuple(Fact(hostile(40), (hostile(1000), AMPERSANDS[:1000])) for _ in range(12)),
        buttons=BUTTONS,
        recipient=Person(f"slack:{LI}") if audience is Audience.DIRECT else None,
        rotation="maintainers" if audience is Audience.ONCALL else None,
    )


async def test_every_message_kind_with_hostile_content_is_delivered(slack: Slack) -> None:
    """Each message kind, in the incident channel, #incidents, the on-call channel and a DM,
    with a hostile title, text, facts and every button: posted, nothing refused. One too long
    for a message is cut, and the rest is a file posted below it."""
    slack.standin.channels["CINCIDENTS"].members.add(BOT_USER)
    acks = [await slack.run(f"open sev2 {TITLE}")]
    now = slack.clock.now()
    messages = [sweep_message(kind) for kind in MessageKind]
    messages += [sweep_message(MessageKind.ANNOUNCEMENT, Audience.ANNOUNCE)]
    messages += [sweep_message(MessageKind.ESCALATION, Audience.ONCALL)]
    messages += [sweep_message(MessageKind.PAGE, Audience.DIRECT)]
    lines = "\n".join(hostile(300).replace("\n", " ") for _ in range(600))
    long_one = Message(
        kind=MessageKind.ACTION_ITEMS_NAG, audience=Audience.INCIDENT, incident=1, text=(lines,)
    )
    for number, message in enumerate([*messages, long_one], start=1000):
        item = OutboxItem(
            id=number,
            platform="slack",
            message=message,
            created_at=now,
            attempts=1,
            next_attempt_at=now,
        )
        await slack.adapter.deliver(item)
    assert_all_accepted(slack, acks)
    posts = slack.channel(1).posts()
    assert len(posts) >= len(MessageKind)
    cut = next(p for p in posts if "✂️" in str(p["blocks"]))
    assert "`incident-1-action-items-nag.txt`, posted below" in str(cut["blocks"])
    assert posts[-1]["files"][0]["name"] == "incident-1-action-items-nag.txt"
    assert slack.standin.dm(LI) is not None
